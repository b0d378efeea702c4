// Lockbox Portal on Azure: several App Service instances behind the App Service front ends, sharing Azure SQL,
// Azure Cache for Redis and Azure SignalR Service, with secrets in Key Vault, audit anchors in immutable blob
// storage and telemetry in Application Insights. The app reaches every service with one user-assigned managed
// identity; the only secrets (the Redis key, the Entra client secret, the SMTP password) live in Key Vault and
// reach the app as Key Vault references. docs/deployment.md explains each setting, sizing and failover.

targetScope = 'resourceGroup'

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Short prefix for resource names (letters and digits); a hash of the resource group keeps global names unique.')
@minLength(3)
@maxLength(12)
param namePrefix string = 'lockbox'

@description('App Service instances. At least two, so losing one leaves the portal serving; size from docs/deployment.md.')
@minValue(2)
@maxValue(30)
param instanceCount int = 2

@description('App Service plan SKU. P1v3 (8 GiB) holds about 5,000 idle circuits per instance with room to spare.')
@allowed([
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
])
param appServiceSku string = 'P1v3'

@description('Entra ID tenant of the portal\'s app registration.')
param azureAdTenantId string = tenant().tenantId

@description('Application (client) id of the portal\'s Entra ID app registration.')
param azureAdClientId string

@description('Client secret of the app registration; stored in Key Vault, never in app settings.')
@secure()
param azureAdClientSecret string

@description('Object id of the Entra group that administers Azure SQL (operators); the app gets its own database user (docs/deployment.md).')
param sqlAdminGroupObjectId string

@description('Display name of that group.')
param sqlAdminGroupName string

@description('Public URL of the portal, used in email links and as the grant issuer. Empty: the App Service default host name.')
param publicBaseUrl string = ''

@description('Sender address of the portal\'s email.')
param mailFrom string

@description('SMTP relay host (e.g. an Azure Communication Services SMTP endpoint).')
param smtpHost string

@description('SMTP relay port.')
param smtpPort int = 587

@description('SMTP user name; empty for a relay that does not authenticate.')
param smtpUserName string = ''

@description('SMTP password; stored in Key Vault.')
@secure()
param smtpPassword string = ''

@description('Optional OTLP collector endpoint (e.g. http://otel-collector:4317) in addition to Application Insights.')
param otlpEndpoint string = ''

@description('Azure SignalR Service units: each unit carries 1,000 concurrent connections, so one circuit each.')
@minValue(1)
@maxValue(100)
param signalRUnits int = 1

@description('Days an audit anchor blob cannot be changed or deleted. Lock the policy once verified (docs/deployment.md).')
@minValue(1)
param auditAnchorRetentionDays int = 2555

var suffix = uniqueString(resourceGroup().id)
var baseName = '${namePrefix}-${suffix}'
var siteName = 'app-${baseName}'
var baseUrl = empty(publicBaseUrl) ? 'https://${siteName}.azurewebsites.net' : publicBaseUrl
var anchorContainerName = 'audit-anchors'
var smtpSecretName = 'smtp-password'

// Built-in role definition ids.
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d40a424'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  signalRAppServer: '420fcaa2-552c-430f-98ca-3264be4806c7'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}'
  location: location
}

// ---- Telemetry ------------------------------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

// ---- Azure SQL: Entra-only authentication, no SQL password anywhere ---------------------------------------------

resource sql 'Microsoft.Sql/servers@2023-08-01' = {
  name: 'sql-${baseName}'
  location: location
  properties: {
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: sqlAdminGroupName
      principalType: 'Group'
      sid: sqlAdminGroupObjectId
      tenantId: azureAdTenantId
    }
  }
}

resource sqlAllowAzure 'Microsoft.Sql/servers/firewallRules@2023-08-01' = {
  parent: sql
  name: 'AllowAzureServices'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource database 'Microsoft.Sql/servers/databases@2023-08-01' = {
  parent: sql
  name: 'lockbox'
  location: location
  sku: {
    name: 'GP_Gen5_2'
    tier: 'GeneralPurpose'
  }
  properties: {
    zoneRedundant: false
    requestedBackupStorageRedundancy: 'Geo'
  }
}

// ---- Azure Cache for Redis: live updates, ended sessions, rate-limit counters -----------------------------------

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: 'redis-${baseName}'
  location: location
  properties: {
    sku: {
      name: 'Standard'
      family: 'C'
      capacity: 1
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// ---- Azure SignalR Service: circuits' connections; the app authenticates with its identity ---------------------

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: 'sigr-${baseName}'
  location: location
  kind: 'SignalR'
  sku: {
    name: 'Standard_S1'
    tier: 'Standard'
    capacity: signalRUnits
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Default'
      }
    ]
    disableLocalAuth: true
  }
}

// ---- Key Vault: the secrets, and the key that wraps the Data Protection key ring ---------------------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${take(suffix, 10)}${take(replace(namePrefix, '-', ''), 8)}'
  location: location
  properties: {
    tenantId: subscription().tenantId
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

resource redisSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-configuration'
  properties: {
    value: '${redis.properties.hostName}:${redis.properties.sslPort},password=${redis.listKeys().primaryKey},ssl=True,abortConnect=False'
  }
}

resource clientSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'azuread-client-secret'
  properties: {
    value: azureAdClientSecret
  }
}

resource smtpSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smtpPassword)) {
  parent: vault
  name: smtpSecretName
  properties: {
    value: smtpPassword
  }
}

resource dataProtectionKey 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: 'dataprotection'
  properties: {
    kty: 'RSA'
    keySize: 2048
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
  }
}

// ---- Storage: signed audit digests outside the database, write-once -------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: toLower('st${take(replace(namePrefix, '-', ''), 8)}${take(suffix, 13)}')
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_GRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: 30
    }
  }
}

resource anchors 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: anchorContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource anchorImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: anchors
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: auditAnchorRetentionDays
    allowProtectedAppendWrites: false
  }
}

// ---- Role assignments for the app's identity (names derived from their inputs: redeploying changes nothing) -------

resource vaultSecretsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource vaultCryptoRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dataProtectionKey.id, identity.id, roles.keyVaultCryptoUser)
  scope: dataProtectionKey
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCryptoUser)
  }
}

resource anchorWriterRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(anchors.id, identity.id, roles.storageBlobDataContributor)
  scope: anchors
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource signalRRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, identity.id, roles.signalRAppServer)
  scope: signalR
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.signalRAppServer)
  }
}

// ---- App Service: N instances, health-checked ------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${baseName}'
  location: location
  kind: 'linux'
  sku: {
    name: appServiceSku
    capacity: instanceCount
  }
  properties: {
    reserved: true
    zoneRedundant: false
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: siteName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Sticky sessions keep a browser on the instance that holds its circuit when Azure SignalR Service is not used;
    // with it they are harmless.
    clientAffinityEnabled: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      alwaysOn: true
      webSocketsEnabled: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Readiness: an instance whose database check fails leaves the load balancer until it passes again.
      healthCheckPath: '/health/ready'
      appSettings: [
        { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }
        // Liveness: App Service waits for this before it routes to a started or restarted instance.
        { name: 'WEBSITE_WARMUP_PATH', value: '/health/live' }
        { name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES', value: '3' }
        // DefaultAzureCredential uses the user-assigned identity.
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'Authentication__Mode', value: 'EntraId' }
        { name: 'AzureAd__TenantId', value: azureAdTenantId }
        { name: 'AzureAd__ClientId', value: azureAdClientId }
        { name: 'AzureAd__ClientSecret', value: '@Microsoft.KeyVault(SecretUri=${clientSecret.properties.secretUri})' }
        { name: 'Database__Provider', value: 'SqlServer' }
        { name: 'Database__MigrateOnStart', value: 'true' }
        {
          name: 'ConnectionStrings__Lockbox'
          value: 'Server=tcp:${sql.properties.fullyQualifiedDomainName},1433;Database=${database.name};Authentication=Active Directory Managed Identity;User Id=${identity.properties.clientId};Encrypt=True;Connect Timeout=30'
        }
        { name: 'Redis__Configuration', value: '@Microsoft.KeyVault(SecretUri=${redisSecret.properties.secretUri})' }
        {
          name: 'Azure__SignalR__ConnectionString'
          value: 'Endpoint=https://${signalR.properties.hostName};AuthType=azure.msi;ClientId=${identity.properties.clientId};Version=1.0;'
        }
        { name: 'DataProtection__KeyVaultKeyId', value: dataProtectionKey.properties.keyUri }
        { name: 'Audit__Anchors__Store', value: 'AzureBlob' }
        { name: 'Audit__Anchors__BlobServiceUri', value: storage.properties.primaryEndpoints.blob }
        { name: 'Audit__Anchors__Container', value: anchorContainerName }
        { name: 'Portal__PublicBaseUrl', value: baseUrl }
        { name: 'Portal__MailFrom', value: mailFrom }
        { name: 'Grants__Issuer', value: baseUrl }
        { name: 'Email__Transport', value: 'Smtp' }
        { name: 'Email__Smtp__Host', value: smtpHost }
        { name: 'Email__Smtp__Port', value: string(smtpPort) }
        { name: 'Email__Smtp__UserName', value: smtpUserName }
        { name: 'Email__Smtp__Password', value: empty(smtpPassword) ? '' : '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${smtpSecretName})' }
        { name: 'AzureMonitor__ConnectionString', value: insights.properties.ConnectionString }
        { name: 'OpenTelemetry__OtlpEndpoint', value: otlpEndpoint }
      ]
    }
  }
  dependsOn: [
    smtpSecret
    vaultSecretsRole
    vaultCryptoRole
    anchorWriterRole
    signalRRole
    sqlAllowAzure
  ]
}

output siteUrl string = 'https://${site.properties.defaultHostName}'
output appIdentityName string = identity.name
output appIdentityClientId string = identity.properties.clientId
output sqlServer string = sql.properties.fullyQualifiedDomainName
output sqlDatabase string = database.name
