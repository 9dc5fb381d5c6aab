// Key Vault for what a managed identity cannot replace: the bot's client secret, which the
// Bot Framework needs to sign the bot's replies. Access is by Azure RBAC; the app's identity
// may read that one secret and nothing else.

@description('The vault\'s name: 3 to 24 letters, digits and hyphens, unique in Azure.')
@minLength(3)
@maxLength(24)
param name string

@description('The Azure region.')
param location string

@description('The Entra tenant id the vault trusts.')
param tenantId string

@description('The object (principal) id of the app\'s managed identity.')
param principalId string

@description('The bot\'s client secret, written into the vault.')
@secure()
param botClientSecret string

// Built-in role definition (Azure RBAC): read a secret's value.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'bot-client-secret'
  properties: {
    value: botClientSecret
    contentType: 'The client secret of the bot\'s Entra app registration'
  }
}

resource readSecret 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(secret.id, principalId, keyVaultSecretsUser)
  scope: secret
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

@description('The vault\'s name.')
output name string = vault.name

// The address without a version: the app follows the newest version when the secret is rotated.
@description('The secret\'s address, for the app setting\'s Key Vault reference.')
output botClientSecretUri string = secret.properties.secretUri
