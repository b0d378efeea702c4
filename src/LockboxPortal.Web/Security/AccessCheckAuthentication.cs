using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Security;

/// <summary>A system allowed to call the access-check API, and the tenants it may ask about.</summary>
public sealed class AccessCheckClient
{
    public string Name { get; set; } = "";

    /// <summary>API key (Development/tests, or where AllowApiKeys is on). Set it from the environment, never in the repository.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Entra application (client) id of a gateway that calls with a bearer token.</summary>
    public string? ClientId { get; set; }

    public List<Guid> Tenants { get; set; } = [];
}

public sealed class AccessCheckOptions
{
    public const string Section = "AccessCheck";

    /// <summary>Accept X-Api-Key outside the Development environment too.</summary>
    public bool AllowApiKeys { get; set; }

    public List<AccessCheckClient> Clients { get; set; } = [];

    /// <summary>Requests per caller per <see cref="Window"/>.</summary>
    public int PermitLimit { get; set; } = 120;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Entra ID token validation for gateways: authority (the portal's home tenant, e.g.
    /// https://login.microsoftonline.com/{tenant}/v2.0) and audience (the portal's client id). The token must carry the
    /// app role AccessCheck.Read and come from a client listed under Clients (by ClientId).
    /// </summary>
    public string? JwtAuthority { get; set; }
    public string? JwtAudience { get; set; }
}

public static class AccessCheckAuthentication
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = JwtBearerDefaults.AuthenticationScheme;
    public const string ApiKeyHeader = "X-Api-Key";
    public const string Policy = "AccessCheckApi";
    public const string RateLimitPolicy = "access-checks";
    public const string CallerClaim = "lockbox_caller";
    public const string TenantClaim = "lockbox_tenant";
    public const string PermissionClaim = "lockbox_permission";
    public const string ReadPermission = "access-check.read";

    /// <summary>
    /// API key and (when configured) Entra bearer schemes for the access-check API, beside the portal's cookie
    /// scheme, which stays the default for pages. Both map the caller to a configured client and its tenants.
    /// </summary>
    public static IServiceCollection AddAccessCheckApi(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<AccessCheckOptions>().Bind(configuration.GetSection(AccessCheckOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccessCheckOptions>, AccessCheckOptionsValidator>();

        var apiKeysAllowed = environment.IsDevelopment() || configuration.GetValue<bool>($"{AccessCheckOptions.Section}:AllowApiKeys");
        var authentication = services.AddAuthentication();
        // Bearer is challenged first: it only sets a header, and the API key challenge then writes the body.
        var schemes = new List<string>();

        var authority = configuration[$"{AccessCheckOptions.Section}:JwtAuthority"];
        if (!string.IsNullOrWhiteSpace(authority))
        {
            authentication.AddJwtBearer(BearerScheme, o =>
            {
                o.Authority = authority;
                o.Audience = configuration[$"{AccessCheckOptions.Section}:JwtAudience"];
                o.MapInboundClaims = false;
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        var clientId = context.Principal?.FindFirst("azp")?.Value ?? context.Principal?.FindFirst("appid")?.Value;
                        var options = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<AccessCheckOptions>>().CurrentValue;
                        var client = options.Clients.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.ClientId)
                            && string.Equals(c.ClientId, clientId, StringComparison.OrdinalIgnoreCase));
                        // An unknown application is not authenticated (401); a known one without the app role is
                        // authenticated but not permitted (403), so its operator knows to grant AccessCheck.Read.
                        var permitted = context.Principal?.FindAll("roles").Any(r => r.Value == AppRoles.AccessCheckRead) == true;
                        if (client is null) context.Fail("The calling application is not a configured access-check client.");
                        else context.Principal = CallerPrincipal(client, BearerScheme, permitted);
                        return Task.CompletedTask;
                    },
                };
            });
            schemes.Add(BearerScheme);
        }
        if (apiKeysAllowed)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, _ => { });
            schemes.Add(ApiKeyScheme);
        }

        services.AddAuthorizationBuilder().AddPolicy(Policy, p =>
        {
            if (schemes.Count == 0) p.RequireAssertion(_ => false); // no way in is configured: nobody gets in
            else p.AddAuthenticationSchemes([.. schemes]).RequireAuthenticatedUser().RequireClaim(CallerClaim).RequireClaim(PermissionClaim, ReadPermission);
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(RateLimitPolicy, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptionsMonitor<AccessCheckOptions>>().CurrentValue;
                var key = http.User.FindFirst(CallerClaim)?.Value ?? "ip:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitLimit,
                    Window = options.Window,
                    QueueLimit = 0,
                });
            });
        });
        return services;
    }

    /// <summary>The caller an access-check, usage or audit API request was authenticated as (the policy required its claims).</summary>
    public static AccessCheckCaller Caller(ClaimsPrincipal user) => new(
        user.FindFirst(CallerClaim)!.Value,
        user.FindAll(TenantClaim).Select(c => Guid.TryParse(c.Value, out var t) ? t : Guid.Empty).ToHashSet());

    internal static ClaimsPrincipal CallerPrincipal(AccessCheckClient client, string scheme, bool permitted = true) =>
        new(new ClaimsIdentity(
            client.Tenants.Select(t => new Claim(TenantClaim, t.ToString()))
                .Prepend(new Claim(CallerClaim, client.Name))
                .Concat(permitted ? [new Claim(PermissionClaim, ReadPermission)] : []),
            scheme, CallerClaim, null));

    /// <summary>The access-check API's own 429: problem JSON naming its limit (the portal's one OnRejected hands API requests here).</summary>
    public static async ValueTask WriteRejectionAsync(Microsoft.AspNetCore.RateLimiting.OnRejectedContext context, CancellationToken ct)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<AccessCheckOptions>>().CurrentValue;
        var retry = context.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var after) ? after : options.Window;
        context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Results.Problem(
            title: "Too many access checks",
            detail: $"This caller may make {options.PermitLimit} access checks per {options.Window.TotalSeconds:0} seconds. Retry after {retry.TotalSeconds:0} seconds, or cache answers until their expiresAt.",
            statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext);
    }
}

/// <summary>
/// Stops the portal at start with the entry that is wrong. A caller's name keys its usage events, its rate limit and
/// its audit entries, so two clients may not share one, in any case (SQL Server's unique index on usage event ids
/// would take them as one caller, SQLite as two); nor may two share a client id or an API key, which would sign both
/// in as the first.
/// </summary>
internal sealed class AccessCheckOptionsValidator : IValidateOptions<AccessCheckOptions>
{
    /// <summary>The longest caller name: the column that records it on usage events and the audit.</summary>
    public const int MaxNameLength = 100;

    public ValidateOptionsResult Validate(string? name, AccessCheckOptions options)
    {
        const string section = AccessCheckOptions.Section;
        var problems = new List<string>();
        if (options.PermitLimit <= 0 || options.Window <= TimeSpan.Zero)
            problems.Add($"{section}:PermitLimit and {section}:Window must be positive.");

        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var clientIds = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var apiKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var key = $"{section}:Clients:{i}";
            if (string.IsNullOrWhiteSpace(client.Name))
                problems.Add($"{key}:Name is missing: every client needs a name, which its usage events and audit entries carry.");
            else if (client.Name.Length > MaxNameLength || client.Name.Trim().Length != client.Name.Length
                     || LockboxPortal.Application.Common.Validation.HasAnyControlCharacter(client.Name))
                problems.Add($"{key}:Name must be at most {MaxNameLength} characters, without control characters or a leading or trailing space.");
            else if (!names.TryAdd(client.Name, i))
                problems.Add($"{key}:Name '{client.Name}' is also the name of {section}:Clients:{names[client.Name]} (names are compared ignoring case); give each client its own.");
            if (!string.IsNullOrEmpty(client.ClientId) && client.ClientId.Trim().Length != client.ClientId.Length)
                problems.Add($"{key}:ClientId starts or ends with a space: no token's client id would match it.");
            else if (!string.IsNullOrWhiteSpace(client.ClientId) && !clientIds.TryAdd(client.ClientId, i))
                problems.Add($"{key}:ClientId is also the client id of {section}:Clients:{clientIds[client.ClientId]}; a token of that application would sign in as the first only.");
            // Never the key itself in a message: it is a secret.
            if (!string.IsNullOrEmpty(client.ApiKey) && client.ApiKey.Trim().Length != client.ApiKey.Length)
                problems.Add($"{key}:ApiKey starts or ends with a space: an HTTP header drops it, so no call would match the key.");
            else if (!string.IsNullOrEmpty(client.ApiKey) && !apiKeys.TryAdd(client.ApiKey, i))
                problems.Add($"{key}:ApiKey is also the API key of {section}:Clients:{apiKeys[client.ApiKey]}; give each client its own key.");
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>
/// <c>X-Api-Key</c> against the configured clients. Keys are compared as SHA-256 digests in constant time, and
/// every configured key is compared, so timing says nothing about which key (or how much of one) matched.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AccessCheckOptions> accessCheck)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(AccessCheckAuthentication.ApiKeyHeader, out var values) || string.IsNullOrEmpty(values.ToString()))
            return Task.FromResult(AuthenticateResult.NoResult());

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(values.ToString()));
        AccessCheckClient? match = null;
        foreach (var client in accessCheck.CurrentValue.Clients)
        {
            if (string.IsNullOrEmpty(client.ApiKey)) continue;
            var expected = SHA256.HashData(Encoding.UTF8.GetBytes(client.ApiKey));
            if (CryptographicOperations.FixedTimeEquals(presented, expected) && match is null) match = client;
        }
        if (match is null)
        {
            // Never log the presented key.
            Logger.LogWarning("Access-check call with an unknown API key from {RemoteIp}", Context.Connection.RemoteIpAddress);
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }
        var principal = AccessCheckAuthentication.CallerPrincipal(match, Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append("WWW-Authenticate", $"{AccessCheckAuthentication.ApiKeyScheme} header=\"{AccessCheckAuthentication.ApiKeyHeader}\"");
        await Results.Problem(title: "Authentication required",
            detail: $"Call with a valid {AccessCheckAuthentication.ApiKeyHeader} header or an Entra ID bearer token of a configured client.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Results.Problem(title: "Forbidden", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(Context);
}
