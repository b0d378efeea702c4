using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Audit;

public sealed record AuditEntryDto(
    long Sequence,
    DateTimeOffset OccurredAt,
    string Actor,
    Guid? ActorOid,
    string Action,
    string Target,
    string Details,
    string Hash);

/// <summary>Filters of the tenant audit page and its CSV export. <see cref="To"/> is exclusive.</summary>
public sealed record AuditQuery
{
    public string? Action { get; init; }
    public string? Actor { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public int Page { get; init; }
    public int PageSize { get; init; } = 50;
}

/// <summary>
/// Reading the audit log: a tenant's approvers see and export their tenant's entries, a request's page shows
/// its history to whoever may see the request, and Global Administrators verify the chain.
/// </summary>
public sealed class AuditService(ILockboxDbContextFactory dbFactory, ICurrentUser currentUser, AuditVerifier verifier)
{
    public const int MaxExportRows = 1_000_000;

    public static readonly IReadOnlyList<string> KnownActions =
    [
        AuditActions.RequestFiled, AuditActions.RequestApproved, AuditActions.RequestAutoApproved, AuditActions.RequestDenied,
        AuditActions.RequestWithdrawn, AuditActions.RequestExpired, AuditActions.RequestCompleted, AuditActions.RequestRevoked,
        AuditActions.GrantIssued, AuditActions.TicketOpened, AuditActions.LockboxSwitched, AuditActions.NotificationSettingsChanged,
        AuditActions.AuthorizationRefused, AuditActions.SignInRefused, AuditActions.TenantOnboarded,
        AuditActions.ServicePrincipalCreated, AuditActions.ServicePrincipalRotated, AuditActions.ServicePrincipalDeleted,
    ];

    public async Task<PagedResult<AuditEntryDto>> ListAsync(AuditQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Filter(db, user, query);
        var total = await q.CountAsync(ct);
        var items = await Project(q.OrderByDescending(e => e.Sequence).Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize)).ToListAsync(ct);
        return new PagedResult<AuditEntryDto>(items, total);
    }

    /// <summary>
    /// Writes the filtered entries as CSV (RFC 4180, every cell quoted). Cells a spreadsheet would run as a
    /// formula (starting with = + - @, tab or CR) are prefixed with an apostrophe.
    /// </summary>
    public async Task ExportCsvAsync(AuditQuery query, TextWriter output, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await output.WriteLineAsync("sequence,occurredAt,actor,actorOid,action,target,details,previousHash,hash");
        var rows = Filter(db, user, query).OrderBy(e => e.Sequence).Take(MaxExportRows).AsAsyncEnumerable();
        await foreach (var e in rows.WithCancellation(ct))
        {
            await output.WriteLineAsync(string.Join(',',
                Csv(e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Csv(e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'")),
                Csv(e.Actor), Csv(e.ActorOid?.ToString()), Csv(e.Action), Csv(e.Target), Csv(e.Details),
                Csv(e.PreviousHash), Csv(e.Hash)));
        }
    }

    /// <summary>A request's own history, for whoever may see the request (its tenant's users, the engineer who filed it).</summary>
    public async Task<IReadOnlyList<AuditEntryDto>> HistoryOfRequestAsync(Guid requestId, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenantId = await RequestVisibility.Visible(db, user).AsNoTracking()
            .Where(r => r.Id == requestId).Select(r => (Guid?)r.TenantId).SingleOrDefaultAsync(ct)
            ?? throw RequestVisibility.NotFound();
        var target = $"access-request/{requestId}";
        return await Project(db.AuditEntries.AsNoTracking()
            .Where(e => e.Target == target && e.TenantId == tenantId && e.Action != AuditActions.AuthorizationRefused)
            .OrderBy(e => e.Sequence)).ToListAsync(ct);
    }

    /// <summary>Recomputes the whole chain. Global Administrators only; the result names entries, never their content.</summary>
    public Task<AuditVerificationResult> VerifyAsync(CancellationToken ct = default)
    {
        currentUser.RequireGlobalAdministrator();
        return verifier.VerifyAsync(ct);
    }

    internal static string Csv(string? value)
    {
        var v = value ?? "";
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@' or '\t' or '\r') v = "'" + v;
        return "\"" + v.Replace("\"", "\"\"") + "\"";
    }

    private static IQueryable<AuditEntry> Filter(ILockboxDbContext db, PortalUser user, AuditQuery query)
    {
        var q = db.AuditEntries.AsNoTracking().Where(e => e.TenantId == user.TenantId);
        if (!string.IsNullOrWhiteSpace(query.Action)) q = q.Where(e => e.Action == query.Action.Trim());
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim();
            if (actor.Length > 100) actor = actor[..100];
            var like = "%" + actor.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            q = q.Where(e => EF.Functions.Like(e.Actor, like, "\\"));
        }
        if (query.From?.ToUniversalTime() is { } from) q = q.Where(e => e.OccurredAt >= from);
        if (query.To?.ToUniversalTime() is { } to) q = q.Where(e => e.OccurredAt < to);
        return q;
    }

    private static IQueryable<AuditEntryDto> Project(IQueryable<AuditEntry> q) =>
        q.Select(e => new AuditEntryDto(e.Sequence, e.OccurredAt, e.Actor, e.ActorOid, e.Action, e.Target, e.Details, e.Hash));
}
