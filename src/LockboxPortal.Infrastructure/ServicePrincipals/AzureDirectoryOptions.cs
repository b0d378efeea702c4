using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>Where the Azure adapter sends its calls (the <c>ServicePrincipals</c> section); tests point it at a local fake.</summary>
public sealed class AzureDirectoryOptions
{
    public string GraphBaseUrl { get; set; } = "https://graph.microsoft.com/v1.0";
    public string ArmBaseUrl { get; set; } = "https://management.azure.com";
    public string GraphScope { get; set; } = "https://graph.microsoft.com/.default";
    public string ArmScope { get; set; } = "https://management.azure.com/.default";

    /// <summary>
    /// Waits between role assignment attempts while a new service principal replicates to Resource Manager
    /// (it answers 400 PrincipalNotFound until then). Null: 2, 4, 8, 16 and 30 seconds.
    /// </summary>
    public TimeSpan[]? RoleAssignmentRetryDelays { get; set; }

    public IReadOnlyList<TimeSpan> RetryDelays => RoleAssignmentRetryDelays is { Length: > 0 } d
        ? d
        : [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(30)];

    /// <summary>Retries and timeouts of each single Graph or Resource Manager call (<c>ServicePrincipals:Http</c>).</summary>
    public AzureHttpOptions Http { get; set; } = new();
}

/// <summary>
/// The resilience of one call to Graph or Resource Manager. A person is waiting in the wizard, so the bounds are
/// short: one call, its retries and their waits included, ends within <see cref="TotalTimeout"/>.
/// </summary>
public sealed class AzureHttpOptions
{
    /// <summary>Retries of an idempotent call (GET, PUT, DELETE) after a 408, 429, 5xx, timeout or network failure.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First wait between attempts; it doubles each time, with jitter. A Retry-After header replaces it.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest Retry-After the portal waits out; a longer one ends the call and tells the person when to try again.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one call may take, all attempts and waits included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>What is wrong with these values, naming the keys; null when they hold together.</summary>
    public string? Problem()
    {
        const string key = "ServicePrincipals:Http:";
        if (MaxRetryAttempts is < 1 or > 10) return $"{key}MaxRetryAttempts must be between 1 and 10 (it is {MaxRetryAttempts}).";
        if (RetryBaseDelay <= TimeSpan.Zero) return $"{key}RetryBaseDelay must be positive.";
        if (MaxRetryAfter < TimeSpan.Zero) return $"{key}MaxRetryAfter cannot be negative.";
        if (AttemptTimeout <= TimeSpan.Zero) return $"{key}AttemptTimeout must be positive.";
        if (TotalTimeout < AttemptTimeout) return $"{key}TotalTimeout ({TotalTimeout}) must be at least AttemptTimeout ({AttemptTimeout}).";
        var backoff = RetryBaseDelay * (Math.Pow(2, MaxRetryAttempts) - 1);
        if (backoff > TotalTimeout)
            return $"{key}RetryBaseDelay ({RetryBaseDelay}) doubled over {MaxRetryAttempts} retries waits {backoff}, longer than TotalTimeout ({TotalTimeout}); lower one or raise TotalTimeout.";
        return null;
    }
}

/// <summary>Stops the portal at start with the key that is wrong, not at the first wizard run.</summary>
internal sealed class AzureHttpOptionsValidator : IValidateOptions<AzureDirectoryOptions>
{
    public ValidateOptionsResult Validate(string? name, AzureDirectoryOptions options) =>
        options.Http.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

/// <summary>Access tokens for the customer's tenant (delegated, from Microsoft.Identity.Web in production; a fake in tests).</summary>
public interface IAccessTokenSource
{
    Task<string> GetAccessTokenAsync(string scope, Guid tenantId, CancellationToken ct);
}
