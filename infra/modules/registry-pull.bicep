// Lets the app's managed identity pull images from an Azure Container Registry in this
// resource group, so the web app needs no registry password.

@description('The name of the Azure Container Registry in this resource group.')
param registryName string

@description('The object (principal) id of the app\'s managed identity.')
param principalId string

// Built-in role definition (Azure RBAC): pull images.
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, acrPull)
  scope: registry
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
  }
}
