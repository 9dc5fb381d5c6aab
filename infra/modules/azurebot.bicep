// The Azure Bot: registers the bot's single-tenant app with the Bot Framework, points it at
// the web app's messaging endpoint, and turns on the Microsoft Teams channel.

@description('The Azure Bot\'s resource name, unique in Azure.')
param name string

@description('The bot\'s name as people see it.')
param displayName string

@description('The pricing tier, F0 or S1.')
param sku string

@description('The Application (client) id of the bot\'s Entra app registration.')
param clientId string

@description('The Entra tenant id of that app registration.')
param tenantId string

@description('The https address Teams sends messages to, ending /api/messages.')
param endpoint string

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: endpoint
    msaAppId: clientId
    msaAppType: 'SingleTenant'
    msaAppTenantId: tenantId
  }
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

@description('The messaging endpoint the bot is registered with.')
output endpoint string = bot.properties.endpoint
