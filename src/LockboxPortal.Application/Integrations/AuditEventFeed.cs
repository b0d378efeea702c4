using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Integrations;

/// <summary>One audit entry as a SIEM reads it. <see cref="Details"/> is the entry's canonical JSON object, already redacted by the writer.</summary>
public sealed record AuditEvent(
    string Id,
    long Sequence,
    DateTimeOffset Time,
    string Action,
    string Actor,
    Guid? ActorOid,
    string Target,
    Guid Tenant,
    string Details,
    string PreviousHash,
    string Hash,
    string Cursor);

/// <summary>
/// The position after an entry of one tenant's chain. Opaque to callers (base64url of "v1.tenant.sequence"): it
/// names its tenant, so a cursor of one tenant's feed is refused on another's instead of skipping entries there.
/// </summary>
public readonly record struct AuditEventCursor(Guid Tenant, long Sequence)
{
    private const string Version = "v1";

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{Version}.{Tenant:N}.{Sequence.ToString(CultureInfo.InvariantCulture)}"));

    public static bool TryParse(string? text, out AuditEventCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 100) return false;
        byte[] bytes;
        try { bytes = Base64Url.DecodeFromChars(text); }
        catch (FormatException) { return false; }
        var parts = Encoding.ASCII.GetString(bytes).Split('.');
        if (parts.Length != 3 || parts[0] != Version
            || !Guid.TryParseExact(parts[1], "N", out var tenant)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            return false;
        cursor = new AuditEventCursor(tenant, sequence);
        return true;
    }
}

/// <summary>
/// The SIEM export: a tenant's audit chain in sequence order from a cursor, for the systems configured as API
/// callers of that tenant (the access-check API's callers and rules). Sequences of a tenant's chain are
/// contiguous from 1, and each event carries its previous hash and hash, so a reader detects a gap or an
/// altered entry on its own.
/// </summary>
public sealed class AuditEventFeed(ILockboxDbContextFactory dbFactory, RefusalAuditor refusals)
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 1000;

    /// <summary>
    /// Checks the caller and the input, then returns the events (read lazily, one query). Throws
    /// <see cref="InputValidationException"/> for a bad cursor, limit or tenant choice and
    /// <see cref="ForbiddenAccessException"/> for a tenant the caller is not entitled to, before anything is read.
    /// </summary>
    public IAsyncEnumerable<AuditEvent> Open(AccessCheckCaller caller, Guid? tenantId, string? after, int? limit, CancellationToken ct = default)
    {
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
            throw new InputValidationException("limit", $"limit must be between 1 and {MaxLimit} (default {DefaultLimit}).");

        AuditEventCursor? cursor = null;
        if (after is not null)
        {
            if (!AuditEventCursor.TryParse(after, out var parsed))
                throw new InputValidationException("after", "after is not a cursor of this feed. Pass the cursor of the last event you read, or leave it out to start from the beginning.");
            cursor = parsed;
        }

        var tenant = tenantId ?? cursor?.Tenant ?? (caller.Tenants.Count == 1 ? caller.Tenants.First() : Guid.Empty);
        if (tenant == Guid.Empty)
            throw new InputValidationException("tenantId", "This caller is configured for several tenants: name one with tenantId.");
        if (cursor is { } c && c.Tenant != tenant)
            throw new InputValidationException("after", "This cursor belongs to another tenant's feed.");
        if (!caller.Tenants.Contains(tenant))
        {
            refusals.Report(new AuthorizationRefusal(LogText.Neutralise(caller.Name, 100), null, null,
                "AuditEvents.Read", $"tenant/{tenant}", "The caller is not entitled to this tenant."));
            throw new ForbiddenAccessException("This caller is not entitled to read that tenant's audit events.");
        }
        return ReadAsync(tenant, cursor?.Sequence ?? 0, size, ct);
    }

    private async IAsyncEnumerable<AuditEvent> ReadAsync(Guid tenant, long afterSequence, int limit, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // The tenant's own chain: the key's prefix, so this is a range read of at most `limit` rows.
        var rows = db.AuditEntries.AsNoTracking()
            .Where(e => e.ChainId == tenant && e.Sequence > afterSequence)
            .OrderBy(e => e.Sequence)
            .Take(limit)
            .AsAsyncEnumerable();
        await foreach (var e in rows.WithCancellation(ct))
        {
            yield return new AuditEvent(WebhookOutbox.EventIdOf(tenant, e.Sequence), e.Sequence, e.OccurredAt.ToUniversalTime(),
                e.Action, e.Actor, e.ActorOid, e.Target, tenant, e.Details, e.PreviousHash, e.Hash,
                new AuditEventCursor(tenant, e.Sequence).Encode());
        }
    }
}
