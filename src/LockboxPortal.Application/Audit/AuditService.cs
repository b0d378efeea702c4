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
    string Hash)
{
    /// <summary>The target's name when the portal still knows it (a request's engineer and ticket, a principal's display name).</summary>
    public string? TargetName { get; init; }

    /// <summary>The entry as a sentence, from <see cref="AuditSentences"/>.</summary>
    public string Sentence => AuditSentences.Describe(this);

    public string ActionName => AuditSentences.ActionName(Action);
}

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

    public async Task<PagedResult<AuditEntryDto>> ListAsync(AuditQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Filter(db, user, query);
        var total = await q.CountAsync(ct);
        var items = await Project(q.OrderByDescending(e => e.Sequence).Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize)).ToListAsync(ct);
        return new PagedResult<AuditEntryDto>(await NameTargetsAsync(db, user.TenantId, items, ct), total);
    }

    /// <summary>
    /// Writes the filtered entries as CSV (RFC 4180, every cell quoted), in <see cref="AuditExportVerifier"/>'s
    /// format: an unfiltered export is the tenant's whole chain and verifies on its own, offline.
    /// </summary>
    public async Task ExportCsvAsync(AuditQuery query, TextWriter output, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await output.WriteLineAsync(AuditExportVerifier.Header);
        var rows = Filter(db, user, query).OrderBy(e => e.Sequence).Take(MaxExportRows).AsAsyncEnumerable();
        await foreach (var e in rows.WithCancellation(ct))
        {
            await output.WriteLineAsync(string.Join(',',
                Csv(e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Csv(e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'")),
                Csv(e.Actor), Csv(e.ActorOid?.ToString()), Csv(e.Action), Csv(e.Target), Csv(e.Details),
                Csv(e.PreviousHash), Csv(e.Hash), Csv(e.TenantId?.ToString())));
        }
    }

    /// <summary>A request's own history, for whoever may see the request (its tenant's users, the engineer who filed it).</summary>
    public async Task<IReadOnlyList<AuditEntryDto>> HistoryOfRequestAsync(Guid requestId, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenantId = await Visibility.Requests(db, user).AsNoTracking()
            .Where(r => r.Id == requestId).Select(r => (Guid?)r.TenantId).SingleOrDefaultAsync(ct)
            ?? throw Visibility.RequestNotFound();
        var target = $"access-request/{requestId}";
        var history = await Project(db.AuditEntries.AsNoTracking()
            .Where(e => e.Target == target && e.TenantId == tenantId && e.Action != AuditActions.AuthorizationRefused)
            .OrderBy(e => e.Sequence)).ToListAsync(ct);
        return await NameTargetsAsync(db, tenantId, history, ct);
    }

    /// <summary>
    /// Verifies the caller's tenant's chain against its checkpoints and anchors. Global Administrators only; the
    /// result names entries, never their content. The portal-wide check is the operator's <c>audit verify</c>.
    /// </summary>
    public Task<AuditVerificationResult> VerifyAsync(IProgress<AuditVerificationProgress>? progress = null, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        return verifier.VerifyAsync(AuditChains.Of(user.TenantId), progress, ct);
    }

    /// <summary>
    /// One quoted cell. A cell a spreadsheet would run as a formula (starting with = + - @, tab or CR) is prefixed
    /// with an apostrophe, and so is one that starts with an apostrophe, so the verifier can take exactly one off.
    /// </summary>
    internal static string Csv(string? value)
    {
        var v = value ?? "";
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'') v = "'" + v;
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
            q = q.Where(Common.TextSearch.Containing<AuditEntry>(db, actor, null, e => e.Actor));
        }
        if (query.From?.ToUniversalTime() is { } from) q = q.Where(e => e.OccurredAt >= from);
        if (query.To?.ToUniversalTime() is { } to) q = q.Where(e => e.OccurredAt < to);
        return q;
    }

    /// <summary>
    /// Looks up, within the tenant, the names of the requests, service principals and tenant a page of entries
    /// points at: one query per kind, bounded by the page. A target that no longer exists keeps no name.
    /// </summary>
    private static async Task<IReadOnlyList<AuditEntryDto>> NameTargetsAsync(ILockboxDbContext db, Guid tenantId,
        IReadOnlyList<AuditEntryDto> entries, CancellationToken ct)
    {
        List<Guid> Ids(string kind) => entries
            .Select(e => e.Target.StartsWith(kind + "/", StringComparison.Ordinal) && Guid.TryParse(e.Target[(kind.Length + 1)..], out var id) ? id : Guid.Empty)
            .Where(id => id != Guid.Empty).Distinct().ToList();

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var requestIds = Ids("access-request");
        if (requestIds.Count > 0)
        {
            var requests = await db.AccessRequests.AsNoTracking().Where(r => r.TenantId == tenantId && requestIds.Contains(r.Id))
                .Select(r => new { r.Id, r.EngineerName, r.TicketNumber }).ToListAsync(ct);
            foreach (var r in requests) names[$"access-request/{r.Id}"] = $"{r.EngineerName}'s access request for ticket {r.TicketNumber}";
        }
        var appIds = Ids("service-principal");
        if (appIds.Count > 0)
        {
            var principals = await db.ServicePrincipals.AsNoTracking().Where(p => p.TenantId == tenantId && appIds.Contains(p.AppId))
                .Select(p => new { p.AppId, p.DisplayName }).ToListAsync(ct);
            foreach (var p in principals) names[$"service-principal/{p.AppId}"] = p.DisplayName;
        }
        if (Ids("tenant").Contains(tenantId))
        {
            var tenantName = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId).Select(t => t.DisplayName).SingleOrDefaultAsync(ct);
            if (tenantName is not null) names[$"tenant/{tenantId}"] = tenantName;
        }
        return entries.Select(e => names.TryGetValue(e.Target, out var name) ? e with { TargetName = name } : e).ToList();
    }

    private static IQueryable<AuditEntryDto> Project(IQueryable<AuditEntry> q) =>
        q.Select(e => new AuditEntryDto(e.Sequence, e.OccurredAt, e.Actor, e.ActorOid, e.Action, e.Target, e.Details, e.Hash));
}
