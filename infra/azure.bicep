// Digital Front Door in Azure: the bot's container on App Service, its Azure Bot (single
// tenant, Teams channel), a user-assigned managed identity for Microsoft Graph and Azure
// Storage, Key Vault for the one remaining secret, the Storage account for the working
// state, and Application Insights. infra/README.md explains every parameter.
//
// Deploy into an existing resource group:
//   az deployment group create -g <resource group> -f infra/azure.bicep \
//     -p infra/azure.parameters.json -p botClientSecret="$BOT_CLIENT_SECRET"

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------
// Names and places
// ---------------------------------------------------------------------------------------

@description('The start of every resource name: 2 to 11 lower-case letters (a to z) and digits (0 to 9), starting with a letter, such as dfd. No hyphens, spaces or capitals: Azure refuses them in some of the names.')
@minLength(2)
@maxLength(11)
param baseName string = 'dfd'

@description('The Azure region for every resource except the Azure Bot, which is global. Defaults to the resource group\'s region.')
param location string = resourceGroup().location

@description('The bot\'s name as people see it in Teams and in the Azure portal.')
@maxLength(64)
param botDisplayName string = 'Digital Front Door'

// ---------------------------------------------------------------------------------------
// The bot's app registration (made in Entra by hand: see deploy/README.md)
// ---------------------------------------------------------------------------------------

@description('The Application (client) id of the bot\'s Entra app registration (single tenant), a GUID.')
@minLength(36)
@maxLength(36)
param botClientId string

@description('The bot\'s client secret from its app registration. Given at deploy time, never kept in a file: it is stored in Key Vault and the app reads it from there.')
@secure()
param botClientSecret string

@description('The Entra tenant (directory) id the app registration belongs to. Defaults to the tenant of the subscription you deploy to.')
@minLength(36)
@maxLength(36)
param tenantId string = tenant().tenantId

@description('Tenants whose messages the bot accepts, as Entra tenant ids separated by commas. Empty means your own tenant only.')
param allowedTenantIds string = ''

@description('Other Entra apps in your tenant allowed to call the bot\'s messaging endpoint, by application (client) id, separated by commas. Empty means Teams only.')
param allowedCallerIds string = ''

// ---------------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------------

@description('The container image to run, with its tag, such as contoso.azurecr.io/digital-front-door:1.4.0.')
param containerImage string

@description('The name of an Azure Container Registry in this resource group that holds the image. The managed identity is given AcrPull on it, so no registry password is needed. Empty when the image is public.')
param registryName string = ''

@description('The App Service plan\'s size. Standard (S1) and Premium (P0v3 and above) have deployment slots for upgrades without downtime; Basic (B1, B2) has none, so no staging slot is made on it.')
@allowed([
  'B1'
  'B2'
  'S1'
  'P0v3'
  'P1v3'
  'P2v3'
])
param appServicePlanSku string = 'P0v3'

@description('How many instances run the bot. Two or more keep it answering while one restarts; the working state in Azure Storage is shared by all.')
@minValue(1)
@maxValue(10)
param instanceCount int = 2

@description('Make a staging slot, to start a new version there and swap it in without downtime. Only on a Standard or Premium plan (S1, P0v3 and above): with B1 or B2 it is ignored and no slot is made.')
param stagingSlot bool = false

@description('The port the container listens on (PORT). The image uses 3978.')
param port int = 3978

@description('The bot\'s public web address, if you give the app your own domain, such as https://frontdoor.example.gov.uk. Empty means the App Service address.')
param publicBaseUrl string = ''

@description('Send App Service\'s HTTP logs to Log Analytics. Off by default: they record every request\'s URL path, and a printable pack\'s path holds its link token, so anyone who can read the logs could open the pack.')
param httpLogs bool = false

@description('The Azure Bot\'s pricing tier. F0 is free and enough for Teams, a standard channel.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

// ---------------------------------------------------------------------------------------
// Storage and monitoring
// ---------------------------------------------------------------------------------------

@description('How the Storage account keeps copies of the working state: Standard_ZRS (three zones in the region), Standard_LRS or Standard_GRS.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param storageSku string = 'Standard_ZRS'

@description('The start of every table and queue name in the Storage account (STATE_PREFIX): 2 to 24 lower-case letters and digits.')
@minLength(2)
@maxLength(24)
param statePrefix string = 'dfd'

@description('Days Log Analytics keeps the app\'s logs and telemetry (30 to 730).')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

@description('How much the bot logs (LOG_LEVEL): DEBUG, INFO, WARNING or ERROR.')
@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
param logLevel string = 'INFO'

@description('The log line format (LOG_FORMAT): json, one object a line with the correlation id, for Log Analytics; or text.')
@allowed([
  'json'
  'text'
])
param logFormat string = 'json'

@description('The role name the bot\'s telemetry carries in Application Insights (OTEL_SERVICE_NAME).')
param serviceName string = 'digital-front-door'

// ---------------------------------------------------------------------------------------
// The council's own set-up
// ---------------------------------------------------------------------------------------

@description('The Microsoft Graph id of the SharePoint site that holds the lists, like contoso.sharepoint.com,<guid>,<guid> (GRAPH_SITE_ID; deploy/sharepoint.md shows how to find it).')
param graphSiteId string

@description('The bot\'s admins, by Entra object id, separated by commas (ADMIN_IDS). They register the triage, community and board channels.')
param adminIds string

@description('The IT triage roster, by Entra object id, each optionally as id:Name, separated by commas (TRIAGE_ROSTER). Empty means the admins.')
param triageRoster string = ''

@description('Or an Entra group whose members are the triage team, by object id (TRIAGE_GROUP_ID). It replaces the roster. Empty: not used.')
param triageGroupId string = ''

@description('The bot\'s app id in your Teams app catalogue, a GUID (TEAMS_APP_ID), so the bot can install itself for people it must reach first. Empty: only people who already have the bot are reached.')
param teamsAppId string = ''

@description('How to reach the IT service desk, in plain words of up to 300 characters (SERVICE_DESK_CONTACT). Empty: "Contact the IT service desk in the usual way."')
@maxLength(300)
param serviceDeskContact string = ''

@description('Settings with good defaults that you may change, by their environment variable names (env.TEMPLATE explains each). Leave out any you do not change.')
param optionalSettings tuningSettings = {}

@description('Settings a council may tune. Every one is optional; the bot checks each at start-up.')
@sealed()
type tuningSettings = {
  @description('Working time for nudges, such as 09:00-17:00.')
  COMMUNITY_WORKING_HOURS: string?
  @description('Working days for nudges, such as Mon-Fri.')
  COMMUNITY_WORKING_DAYS: string?
  @description('The time zone of working time, such as Europe/London.')
  COMMUNITY_TIMEZONE: string?
  @description('How many champions each wave of nudges reaches (1 to 20).')
  COMMUNITY_CHAMPIONS_PER_WAVE: string?
  @description('Working hours before an unanswered question nudges more champions (0.5 to 80).')
  COMMUNITY_NUDGE_AFTER_HOURS: string?
  @description('Days over which questions sent to each champion are counted (1 to 365).')
  COMMUNITY_FAIRNESS_DAYS: string?
  @description('Months after which a knowledge entry is checked with its lead (1 to 60).')
  COMMUNITY_REVIEW_MONTHS: string?
  @description('Recognition points, such as best_answer=10,helped_too=2.')
  COMMUNITY_POINTS: string?
  @description('The day the weekly digest of unanswered questions goes out, such as Monday.')
  COMMUNITY_DIGEST_DAY: string?
  @description('Months before a contract ends that its system owner is told (1 to 36).')
  PROCUREMENT_RENEWAL_MONTHS: string?
  @description('Whether a renewal with no change in scope takes the lighter path: true or false.')
  PROCUREMENT_LIGHT_RENEWALS: string?
  @description('Days an early-engagement pack\'s link works (1 to 3650).')
  PROCUREMENT_PACK_DAYS: string?
  @description('Working days for IT triage (1 to 60).')
  DEADLINE_TRIAGE_DAYS: string?
  @description('Working days for a requester to answer a question (1 to 60).')
  DEADLINE_QUESTION_DAYS: string?
  @description('Working days for a board\'s decision when the board has no meetings set (1 to 120).')
  DEADLINE_BOARD_DAYS: string?
  @description('Who hears when triage misses its target, by Entra object id. Empty: the admins.')
  TRIAGE_LEAD_IDS: string?
  @description('Requests on each page of a board\'s agenda (1 to 25).')
  BOARD_AGENDA_PAGE_SIZE: string?
  @description('Days a quarterly roadmap pack\'s link works (1 to 3650).')
  BOARD_PACK_DAYS: string?
  @description('The smallest group of people a skills report shows (2 to 1000).')
  SKILLS_MIN_GROUP: string?
  @description('Who may see skills reports besides the admins (managers and HR), by Entra object id.')
  SKILLS_REPORT_IDS: string?
  @description('Months after delivery that the requester and sponsor are asked about benefits, such as 3,12 (up to 4, each 1 to 60).')
  BENEFITS_REVIEW_MONTHS: string?
  @description('Days after an unanswered benefits ask before one reminder goes (1 to 90).')
  BENEFITS_REMINDER_DAYS: string?
  @description('Who may see the benefits report besides the admins (the PMO and the board), by Entra object id.')
  BENEFITS_REPORT_IDS: string?
  @description('Minutes a my data download link works (5 to 1440).')
  MY_DATA_LINK_MINUTES: string?
  @description('The local hour from which the daily retention job runs (0 to 23).')
  RETENTION_RUN_HOUR: string?
  @description('Days a delivered, reviewed or duplicate request is kept before it is anonymised (1 to 36500).')
  RETENTION_CLOSED_REQUESTS_DAYS: string?
  @description('Days a rejected or withdrawn request is kept before it is anonymised (1 to 36500).')
  RETENTION_REJECTED_REQUESTS_DAYS: string?
  @description('Days community questions and answers are kept before they are anonymised (1 to 36500).')
  RETENTION_QUESTIONS_DAYS: string?
  @description('Days skills self-assessments are kept before they are anonymised (1 to 36500).')
  RETENTION_SKILLS_DAYS: string?
  @description('Days feedback on the bot is kept before it is anonymised (1 to 36500).')
  RETENTION_FEEDBACK_DAYS: string?
  @description('Days an unsent form is kept before it is deleted (1 to 36500).')
  RETENTION_DRAFTS_DAYS: string?
  @description('Days after a person last used the bot before their chat reference is deleted (1 to 36500).')
  RETENTION_CONVERSATIONS_DAYS: string?
  @description('Days history entries and audit records are kept before they are anonymised (1 to 36500).')
  RETENTION_AUDIT_DAYS: string?
  @description('Days the bot keeps its answers to card presses (1 to 36500).')
  RETENTION_CARD_ANSWERS_DAYS: string?
  @description('The REST API\'s Application ID URI, when it is not api://<bot client id>.')
  API_AUDIENCE: string?
  @description('REST API calls a minute for each caller (1 to 10000).')
  API_RATE_LIMIT: string?
  @description('Failed tries in a row before a flow\'s trigger pauses (1 to 100).')
  API_WEBHOOK_PAUSE_AFTER: string?
  @description('Seconds a person\'s read waits for Graph before the local copy answers (above 0, at most 5).')
  GRAPH_READ_WAIT: string?
  @description('Hosts replies may go to. The default is Teams\' channel service; change it only for national clouds.')
  ALLOWED_SERVICE_HOSTS: string?
  @description('Where the Bot Framework publishes its signing keys; change it only for national clouds.')
  BOT_OPENID_METADATA: string?
  @description('Where Entra publishes its signing keys; change it only for national clouds.')
  ENTRA_OPENID_METADATA: string?
  @description('Microsoft Graph\'s address; change it only for national clouds.')
  GRAPH_BASE_URL: string?
  @description('Entra\'s sign-in address; change it only for national clouds.')
  GRAPH_AUTHORITY_HOST: string?
}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id, baseName) // 13 lower-case letters and digits
var webAppName = '${baseName}-app-${suffix}'
// A Storage account's name is 3 to 24 lower-case letters and digits only, unique in Azure:
// baseName made safe (lower case, no hyphens, underscores or dots), then the suffix.
var storageBase = take(toLower(replace(replace(replace(baseName, '-', ''), '_', ''), '.', '')), 11)
var storageName = take('${storageBase}${suffix}', 24)
// Slots exist on Standard and Premium plans only, not on Basic (B1, B2).
var slotsAllowed = !startsWith(appServicePlanSku, 'B')
var makeStagingSlot = stagingSlot && slotsAllowed

// ---------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '${baseName}-identity'
    location: location
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: '${baseName}-logs-${suffix}'
    insightsName: '${baseName}-insights-${suffix}'
    location: location
    retentionDays: logRetentionDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageName
    location: location
    sku: storageSku
    principalId: identity.outputs.principalId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: take('${baseName}-kv-${suffix}', 24)
    location: location
    tenantId: tenantId
    principalId: identity.outputs.principalId
    botClientSecret: botClientSecret
  }
}

module registryPull 'modules/registry-pull.bicep' = if (!empty(registryName)) {
  name: 'registry-pull'
  params: {
    registryName: registryName
    principalId: identity.outputs.principalId
  }
}

// Every setting the bot reads, as the app's environment. Fixed: what running in Azure means.
var azureSettings = {
  BOT_MODE: 'm365'
  BOT_STORE: 'sharepoint'
  STATE_STORE: 'azure'
  HOST: '0.0.0.0'
  PORT: string(port)
  WEBSITES_PORT: string(port)
  // The container keeps nothing that must outlive it: the working state is in Azure Storage.
  WEBSITES_ENABLE_APP_SERVICE_STORAGE: 'false'
  DATA_DIR: '/home/site/data'
  CLIENT_ID: botClientId
  TENANT_ID: tenantId
  CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${vault.outputs.botClientSecretUri})'
  ALLOWED_TENANTS: empty(allowedTenantIds) ? tenantId : allowedTenantIds
  // One managed identity for Azure Storage (AZURE_CLIENT_ID) and for Graph.
  AZURE_CLIENT_ID: identity.outputs.clientId
  AZURE_STORAGE_ACCOUNT_URL: storage.outputs.accountUrl
  STATE_PREFIX: statePrefix
  GRAPH_SITE_ID: graphSiteId
  GRAPH_MANAGED_IDENTITY: 'true'
  GRAPH_MANAGED_IDENTITY_CLIENT_ID: identity.outputs.clientId
  ADMIN_IDS: adminIds
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.insightsConnectionString
  OTEL_SERVICE_NAME: serviceName
  LOG_FORMAT: logFormat
  LOG_LEVEL: logLevel
  // A swap waits until the new version's /readyz answers 200 on every instance (App Service).
  WEBSITE_SWAP_WARMUP_PING_PATH: '/readyz'
  WEBSITE_SWAP_WARMUP_PING_STATUSES: '200'
}

// Chosen by the council; an empty one is left out, so the bot's own default applies.
var councilSettings = {
  ALLOWED_CALLER_IDS: allowedCallerIds
  TRIAGE_ROSTER: triageRoster
  TRIAGE_GROUP_ID: triageGroupId
  TEAMS_APP_ID: teamsAppId
  SERVICE_DESK_CONTACT: serviceDeskContact
}

module app 'modules/appservice.bicep' = {
  name: 'appservice'
  params: {
    webAppName: webAppName
    planName: '${baseName}-plan-${suffix}'
    location: location
    sku: appServicePlanSku
    instanceCount: instanceCount
    stagingSlot: makeStagingSlot
    containerImage: containerImage
    pullWithIdentity: !empty(registryName)
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    workspaceId: monitoring.outputs.workspaceId
    settings: union(optionalSettings, councilSettings, azureSettings)
    // PUBLIC_BASE_URL: this, or the address App Service gives the app once it exists.
    publicBaseUrl: publicBaseUrl
    httpLogs: httpLogs
  }
  dependsOn: [
    registryPull
  ]
}

module bot 'modules/azurebot.bicep' = {
  name: 'azurebot'
  params: {
    name: '${baseName}-bot-${suffix}'
    displayName: botDisplayName
    sku: botSku
    clientId: botClientId
    tenantId: tenantId
    endpoint: 'https://${app.outputs.hostName}/api/messages'
  }
}

// ---------------------------------------------------------------------------------------
// What the next steps need (deploy/README.md)
// ---------------------------------------------------------------------------------------

@description('The messaging endpoint Teams sends to.')
output botEndpoint string = bot.outputs.endpoint

@description('The app\'s host name: put it in the Teams manifest\'s validDomains.')
output appHostName string = app.outputs.hostName

@description('The staging slot\'s host name, for checking a new version before the swap; empty when no slot was made.')
output stagingHostName string = app.outputs.stagingHostName

@description('Whether a staging slot was made (stagingSlot on a Standard or Premium plan).')
output stagingSlotMade bool = makeStagingSlot

@description('The web app\'s name, for az webapp commands (logs, restarts, slot swaps).')
output webAppName string = app.outputs.name

@description('The managed identity\'s client id (AZURE_CLIENT_ID).')
output identityClientId string = identity.outputs.clientId

@description('The managed identity\'s object (principal) id: grant it Sites.Selected and the site in Microsoft Graph.')
output identityPrincipalId string = identity.outputs.principalId

@description('The Storage account\'s address (AZURE_STORAGE_ACCOUNT_URL).')
output storageAccountUrl string = storage.outputs.accountUrl

@description('The Key Vault that holds the bot\'s client secret.')
output keyVaultName string = vault.outputs.name

@description('The Application Insights resource the telemetry goes to.')
output insightsName string = monitoring.outputs.insightsName
