// The user-assigned managed identity the app runs as: it signs in to Microsoft Graph and
// Azure Storage, reads the bot's secret from Key Vault and pulls the image, with no password.

@description('The identity\'s name.')
param name string

@description('The Azure region.')
param location string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
}

@description('The identity\'s resource id, to attach it to the web app.')
output id string = identity.id

@description('The identity\'s client id (AZURE_CLIENT_ID).')
output clientId string = identity.properties.clientId

@description('The identity\'s object (principal) id, for role assignments.')
output principalId string = identity.properties.principalId
