// Log Analytics and a workspace-based Application Insights: the bot's OpenTelemetry traces
// and metrics, and the container's JSON log lines, in one place.

@description('The Log Analytics workspace\'s name.')
param workspaceName string

@description('The Application Insights resource\'s name.')
param insightsName string

@description('The Azure region.')
param location string

@description('Days the workspace keeps data.')
param retentionDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: insightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    RetentionInDays: retentionDays
  }
}

@description('The workspace\'s resource id, for the web app\'s diagnostic settings.')
output workspaceId string = workspace.id

@description('The Application Insights resource\'s name.')
output insightsName string = insights.name

// Not a secret (it only lets telemetry be sent), but never shown in the bot's messages.
@description('Where telemetry is sent (APPLICATIONINSIGHTS_CONNECTION_STRING).')
output insightsConnectionString string = insights.properties.ConnectionString
