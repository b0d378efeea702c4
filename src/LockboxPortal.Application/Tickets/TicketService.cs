using System.Security.Cryptography;
using FluentValidation;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Tickets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Tickets;

/// <summary>Support tickets: customers open and read their tenant's; engineers read the ones assigned to them.</summary>
public sealed class TicketService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    IOptionsMonitor<SupportOrganizationsOptions> organizations,
    AuditWriter audit,
    IValidator<OpenTicketCommand> validator)
{
    public async Task<TicketDto> OpenAsync(OpenTicketCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireCustomer();
        await validator.ValidateOrThrowAsync(cmd, ct);
        var orgs = organizations.CurrentValue;
        var organization = orgs.ByName(cmd.SupportOrganization) ?? orgs.ForProduct(cmd.Product) ?? orgs.Organizations.FirstOrDefault()
            ?? throw new InvalidOperationException("No support organization is configured (SupportOrganizations:Organizations).");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ticket = await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            var engineer = await NextEngineerAsync(db, organization, token);
            var t = new SupportTicket
            {
                Id = RowIds.New(),
                Number = await NewNumberAsync(db, now, token),
                TenantId = user.TenantId,
                Title = cmd.Title.Trim(),
                Description = cmd.Description.Trim(),
                Severity = cmd.Severity,
                Product = orgs.AllProducts.First(p => string.Equals(p, cmd.Product, StringComparison.OrdinalIgnoreCase)),
                ResourceId = string.IsNullOrWhiteSpace(cmd.ResourceId) ? null : cmd.ResourceId.Trim(),
                OpenedByOid = user.Oid,
                OpenedByName = user.Name,
                AssignedOrganization = organization.Name,
                AssignedEngineerOid = engineer?.Oid,
                AssignedEngineerName = engineer?.DisplayName,
                Status = TicketStatus.Open,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.SupportTickets.Add(t);
            await audit.AppendAsync(db, new AuditRecord(AuditActions.TicketOpened, $"ticket/{t.Number}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?>
                {
                    ["severity"] = t.Severity.ToString(),
                    ["product"] = t.Product,
                    ["organization"] = t.AssignedOrganization,
                    ["engineer"] = t.AssignedEngineerName,
                }), token);
            return t;
        }, ct);
        return await GetAsync(ticket.Id, ct);
    }

    public async Task<PagedResult<TicketDto>> ListAsync(TicketListQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        var pageSize = Math.Clamp(query.PageSize, 1, 200);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = Visibility.Tickets(db, user).AsNoTracking();
        if (query.Status is { } status) q = q.Where(t => t.Status == status);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var s = query.Search.Trim();
            if (s.Length > 100) s = s[..100];
            q = q.Where(Common.TextSearch.Containing<SupportTicket>(db, s, t => t.Number.StartsWith(s), t => t.Title));
        }
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id)
            .Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize).ToListAsync(ct);
        var names = await TenantNamesAsync(db, rows.Select(r => r.TenantId), ct);
        return new PagedResult<TicketDto>(rows.Select(t => ToDto(t, names)).ToList(), total);
    }

    public async Task<TicketDto> GetAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var t = await Visibility.Tickets(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct)
            ?? throw Visibility.TicketNotFound();
        return ToDto(t, await TenantNamesAsync(db, [t.TenantId], ct));
    }

    public async Task<TicketDto> GetByNumberAsync(string number, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var t = await Visibility.Tickets(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Number == number, ct)
            ?? throw Visibility.TicketNotFound();
        return ToDto(t, await TenantNamesAsync(db, [t.TenantId], ct));
    }

    public IReadOnlyList<string> Products => organizations.CurrentValue.AllProducts.ToList();
    public IReadOnlyList<string> Organizations => organizations.CurrentValue.Organizations.Select(o => o.Name).ToList();

    /// <summary>
    /// Round-robin within the organization: the engineer (known from sign-in) whose last assignment is
    /// oldest — never assigned counts as oldest — so tickets rotate through the team.
    /// </summary>
    private static async Task<Domain.Users.UserProfile?> NextEngineerAsync(ILockboxDbContext db, SupportOrganization org, CancellationToken ct)
    {
        var candidates = await db.UserProfiles.AsNoTracking()
            .Where(u => u.IsEngineer && u.TenantId == org.TenantId)
            .Select(u => new
            {
                Profile = u,
                LastAssigned = db.SupportTickets.Where(t => t.AssignedEngineerOid == u.Oid).Max(t => (DateTimeOffset?)t.CreatedAt),
            })
            .ToListAsync(ct);
        return candidates
            .OrderBy(c => c.LastAssigned ?? DateTimeOffset.MinValue)
            .ThenBy(c => c.Profile.DisplayName, StringComparer.Ordinal)
            .Select(c => c.Profile)
            .FirstOrDefault();
    }

    private static async Task<string> NewNumberAsync(ILockboxDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var number = now.UtcDateTime.ToString("yyMMdd") + RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D10");
            if (!await db.SupportTickets.AnyAsync(t => t.Number == number, ct)) return number;
        }
        throw new ConflictException("Could not allocate a ticket number; try again.");
    }

    private static async Task<Dictionary<Guid, string>> TenantNamesAsync(ILockboxDbContext db, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var distinct = ids.Distinct().ToList();
        return await db.Tenants.AsNoTracking().Where(t => distinct.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.DisplayName, ct);
    }

    private static TicketDto ToDto(SupportTicket t, IReadOnlyDictionary<Guid, string> names) => new(
        t.Id, t.Number, t.TenantId, names.GetValueOrDefault(t.TenantId, ""), t.Title, t.Description, t.Severity, t.Product,
        t.ResourceId, t.OpenedByName, t.AssignedOrganization, t.AssignedEngineerOid, t.AssignedEngineerName,
        t.Status, t.CreatedAt, t.UpdatedAt);
}
