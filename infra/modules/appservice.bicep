// The App Service plan (Linux) and the web app running the bot's container: HTTPS only,
// always on, health-checked on /readyz, running as the user-assigned managed identity, with
// every setting as an app setting. Optionally a staging slot for upgrades without downtime.
// The settings are written once the app exists, so PUBLIC_BASE_URL is the address App Service
// actually gave it (defaultHostName), not a guess at one.

@description('The web app\'s name, unique in Azure. App Service gives it its address (output hostName).')
param webAppName string

@description('The App Service plan\'s name.')
param planName string

@description('The Azure region.')
param location string

@description('The plan\'s size.')
param sku string

@description('How many instances run the bot.')
param instanceCount int

@description('Whether to make a staging slot with the same settings. The main template asks only on a Standard or Premium plan: Basic plans have no slots.')
param stagingSlot bool

@description('The container image, with its tag.')
param containerImage string

@description('Whether the managed identity pulls the image (from Azure Container Registry).')
param pullWithIdentity bool

@description('The managed identity\'s resource id.')
param identityId string

@description('The managed identity\'s client id.')
param identityClientId string

@description('The Log Analytics workspace the container\'s log lines go to.')
param workspaceId string

@description('Every app setting by name. An empty value is left out, so the bot\'s default applies.')
param settings object

@description('The bot\'s public address when it has its own domain, such as https://frontdoor.example.gov.uk. Empty: the address App Service gives the app.')
param publicBaseUrl string

@description('Whether App Service\'s HTTP logs go to Log Analytics. They hold every request\'s URL path, printable-pack link tokens among them.')
param httpLogs bool

var chosen = filter(items(settings), setting => !empty(setting.value))
var appSettings = toObject(chosen, setting => setting.key, setting => setting.value)

var siteConfig = {
  linuxFxVersion: 'DOCKER|${containerImage}'
  alwaysOn: true
  healthCheckPath: '/readyz'
  http20Enabled: true
  minTlsVersion: '1.2'
  ftpsState: 'Disabled'
  acrUseManagedIdentityCreds: pullWithIdentity
  acrUserManagedIdentityID: pullWithIdentity ? identityClientId : null
}

var siteProperties = {
  serverFarmId: plan.id
  httpsOnly: true
  clientAffinityEnabled: false
  // Key Vault references (CLIENT_SECRET) are read as the user-assigned identity.
  keyVaultReferenceIdentity: identityId
  siteConfig: siteConfig
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  kind: 'linux'
  sku: {
    name: sku
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  kind: 'app,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: siteProperties
}

resource slot 'Microsoft.Web/sites/slots@2023-12-01' = if (stagingSlot) {
  parent: site
  name: 'staging'
  location: location
  kind: 'app,linux,container'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: siteProperties
}

// Both slots link to the production address: a pack made by either is opened there.
var addressSettings = {
  PUBLIC_BASE_URL: empty(publicBaseUrl) ? 'https://${site.properties.defaultHostName}' : publicBaseUrl
}

resource siteSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, addressSettings)
}

resource slotSettings 'Microsoft.Web/sites/slots/config@2023-12-01' = if (stagingSlot) {
  parent: slot
  name: 'appsettings'
  properties: union(appSettings, addressSettings)
}

// No FTP or basic-auth deployment: images come from the registry.
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// The container's own log lines (JSON, with the correlation id) and App Service's. The HTTP
// logs record each request's URL path, which for a printable pack holds its link token:
// off unless httpLogs asks for them.
resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: httpLogs
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
  }
}

@description('The web app\'s name.')
output name string = site.name

@description('The web app\'s host name, as App Service gave it.')
output hostName string = site.properties.defaultHostName

@description('The staging slot\'s host name, as App Service gave it; empty without a slot.')
output stagingHostName string = stagingSlot ? slot.properties.defaultHostName : ''
