using System.Data.Common;
using System.Diagnostics;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Bench;

/// <summary>
/// Fills a database created by the real migrations with years of history: tenants, tickets, access requests
/// in a realistic mix of states and a valid hash-chained audit log (one entry per filing and per decision),
/// written in bulk: prepared single-row INSERTs, 20,000 rows per transaction, SQLite journal and sync off
/// during the load and WAL restored after it.
/// </summary>
public static class Seeder
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private const int BatchSize = 20_000;

    private static readonly int[] DurationsMinutes = [60, 120, 240, 480, 480, 480, 720, 1440];
    private static readonly string[] Justifications =
    [
        "Investigate node pool upgrade failure reported in the ticket; need to read cluster events and operator logs.",
        "Customer reports intermittent 502s from the ingress controller; need to inspect router pods and certificates.",
        "Storage class provisioning fails for new PVCs; need to check CSI driver logs and the managed identity.",
        "Cluster API server latency spike; need to collect etcd metrics and a must-gather.",
        "Backup restore failed with a permissions error; need to verify the service principal's role assignments.",
    ];

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var requests = options.GetInt("requests", 1_000_000);
        var tenants = options.GetInt("tenants", 1_000);
        var contoso = options.GetInt("contoso", 50_000);
        var dbPath = options.Get("db", "bench/data/lockbox-1m.db");
        if (options.Get("provider", "Sqlite") == "Sqlite")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(dbPath))!);
            foreach (var f in new[] { dbPath, dbPath + "-wal", dbPath + "-shm" }) File.Delete(f);
        }

        var total = Stopwatch.StartNew();
        await using var host = new BenchHost(options);
        await host.Services.InitializeDatabaseAsync(); // the real migrations
        foreach (var persona in DemoPersonas.All)
        {
            await using var scope = host.ScopeFor(persona);
            await scope.ServiceProvider.GetRequiredService<UserProfileService>().RecordSignInAsync(DemoPersonas.Principal(persona));
        }
        Console.WriteLine($"migrated in {total.Elapsed.TotalSeconds:0.0} s");

        var counts = await LoadAsync(host, requests, tenants, contoso);
        Console.WriteLine($"seeded {counts.Requests:N0} requests, {counts.Tickets:N0} tickets, {counts.Audit:N0} audit entries, {tenants:N0} tenants " +
                          $"in {total.Elapsed.TotalSeconds:0.0} s (load {Fmt.Load()})");
        return 0;
    }

    internal sealed record Engineer(Guid Oid, string Name, string Email, string Organization);

    internal static List<Engineer> Engineers()
    {
        var list = new List<Engineer>
        {
            new(DemoPersonas.Mia.Oid, DemoPersonas.Mia.Name, DemoPersonas.Mia.Email, "Microsoft"),
            new(DemoPersonas.Ravi.Oid, DemoPersonas.Ravi.Name, DemoPersonas.Ravi.Email, "Red Hat"),
        };
        string[] first = ["Alex", "Sam", "Jordan", "Priya", "Wei", "Lena", "Omar", "Sofia", "Kenji", "Ines", "Marco", "Hana"];
        string[] last = ["Kim", "Novak", "Silva", "Okafor", "Larsen", "Meyer", "Rossi", "Tanaka", "Dubois", "Haddad", "Ivanova", "Walsh"];
        for (var i = 0; i < 198; i++)
        {
            var org = i % 5 < 3 ? "Microsoft" : "Red Hat";
            var name = $"{first[i % first.Length]} {last[i / first.Length % last.Length]} {i:000}";
            var domain = org == "Microsoft" ? "support.microsoft.com" : "support.redhat.com";
            list.Add(new(DeterministicGuid(0xE0000000u + (uint)i), name, $"{name.Replace(' ', '.').ToLowerInvariant()}@{domain}", org));
        }
        return list;
    }

    public static Guid DeterministicGuid(uint n) => new($"{n:x8}-0000-4000-8000-00000000beef");

    private static async Task<(int Requests, int Tickets, long Audit)> LoadAsync(BenchHost host, int requestCount, int tenantCount, int contosoCount)
    {
        var factory = host.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        if (host.IsSqlite)
            await Exec(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000; PRAGMA temp_store=MEMORY;");
        // Secondary indexes are built once after the load (a sort each) instead of row by row (random B-tree inserts).
        var deferredIndexes = host.IsSqlite ? await DropSecondaryIndexesAsync(connection) : [];

        var rng = new Random(42);
        var engineers = Engineers();

        // Tenants: Contoso and Fabrikam (the demo personas' tenants) plus a long tail with Zipf-like sizes.
        var tenantRows = new List<Tenant>();
        var weights = new double[tenantCount];
        var fabrikamCount = Math.Min(10_000, Math.Max(0, requestCount - contosoCount) / 10);
        var rest = requestCount - contosoCount - fabrikamCount;
        double zipfSum = 0;
        for (var i = 2; i < tenantCount; i++) zipfSum += 1.0 / Math.Pow(i, 0.7);
        for (var i = 0; i < tenantCount; i++)
        {
            var id = i switch { 0 => DemoPersonas.ContosoTenant, 1 => DemoPersonas.FabrikamTenant, _ => DeterministicGuid(0x70000000u + (uint)i) };
            var name = i switch { 0 => "Contoso", 1 => "Fabrikam", _ => $"Customer {i:0000} Ltd" };
            weights[i] = i switch { 0 => contosoCount, 1 => fabrikamCount, _ => rest / Math.Pow(i, 0.7) / zipfSum };
            tenantRows.Add(new Tenant
            {
                Id = id, DisplayName = name, LockboxEnabled = i < 2 || rng.NextDouble() < 0.85,
                CreatedAt = Now.AddYears(-3).AddDays(-1), LockboxChangedByName = "Seed", LockboxChangedAt = Now.AddYears(-3),
            });
        }
        var cumulative = new double[tenantCount];
        double acc = 0;
        for (var i = 0; i < tenantCount; i++) { acc += weights[i]; cumulative[i] = acc; }

        var audit = new AuditChain();
        // The personas' sign-ins above already appended to their tenants' chains: the seeded history continues them.
        foreach (var h in await db.AuditChainHeads.AsNoTracking().ToListAsync())
            audit.Heads[h.ChainId] = new AuditChainHead { ChainId = h.ChainId, Sequence = h.Sequence, LastHash = h.LastHash };
        var tickets = 0;
        var sw = Stopwatch.StartNew();
        using var tenantInsert = new BulkInserter<Tenant>(db, connection);
        using var ticketInsert = new BulkInserter<SupportTicket>(db, connection);
        using var requestInsert = new BulkInserter<AccessRequest>(db, connection);
        using var auditInsert = new BulkInserter<AuditEntry>(db, connection);

        var existing = (await db.Tenants.Select(t => t.Id).ToListAsync()).ToHashSet();
        var tx = await connection.BeginTransactionAsync();
        SetTransaction(tx, tenantInsert, ticketInsert, requestInsert, auditInsert);
        foreach (var t in tenantRows)
        {
            if (existing.Contains(t.Id)) continue; // the personas' sign-ins created Contoso and Fabrikam already
            tenantInsert.Insert(t);
        }
        await tx.CommitAsync();
        await db.Tenants.Where(t => t.Id == DemoPersonas.ContosoTenant || t.Id == DemoPersonas.FabrikamTenant)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, true)
                .SetProperty(t => t.DisplayName, t => t.Id == DemoPersonas.ContosoTenant ? "Contoso" : "Fabrikam"));

        // Two stages on the two cores: one thread generates rows and hashes the audit chain, the other inserts.
        var channel = System.Threading.Channels.Channel.CreateBounded<List<(SupportTicket? Ticket, AccessRequest Request, List<AuditEntry> Audit)>>(4);
        var producer = Task.Run(async () =>
        {
            var lastTicket = new SupportTicket?[tenantCount];
            var start = Now.AddYears(-3);
            var span = (Now.AddMinutes(-1) - start).Ticks;
            var batch = new List<(SupportTicket?, AccessRequest, List<AuditEntry>)>(BatchSize);
            for (var k = 0; k < requestCount; k++)
            {
                var created = start.AddTicks((long)((k + rng.NextDouble()) / requestCount * span));
                created = new DateTimeOffset(created.Ticks - created.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
                var ti = Array.BinarySearch(cumulative, rng.NextDouble() * acc);
                if (ti < 0) ti = ~ti;
                ti = Math.Min(ti, tenantCount - 1);
                var tenant = tenantRows[ti];
                var engineer = engineers[rng.Next(engineers.Count)];

                SupportTicket? newTicket = null;
                var ticket = lastTicket[ti];
                if (ticket is null || rng.NextDouble() < 0.5 || ticket.AssignedOrganization != engineer.Organization)
                {
                    ticket = newTicket = NewTicket(++tickets, tenant, engineer, created, rng);
                    lastTicket[ti] = ticket;
                }
                else if (ticket.AssignedEngineerOid != engineer.Oid)
                {
                    engineer = engineers.First(e => e.Oid == ticket.AssignedEngineerOid);
                }

                var r = NewRequest(tenant, ticket, engineer, created, rng);
                batch.Add((newTicket, r, audit.For(r, tenant.LockboxEnabled).ToList()));
                if (batch.Count == BatchSize)
                {
                    await channel.Writer.WriteAsync(batch);
                    batch = new(BatchSize);
                }
            }
            if (batch.Count > 0) await channel.Writer.WriteAsync(batch);
            channel.Writer.Complete();
        });

        var inserted = 0;
        await foreach (var batch in channel.Reader.ReadAllAsync())
        {
            tx = await connection.BeginTransactionAsync();
            SetTransaction(tx, ticketInsert, requestInsert, auditInsert);
            foreach (var (ticket, r, entries) in batch)
            {
                if (ticket is not null) ticketInsert.Insert(ticket);
                requestInsert.Insert(r);
                foreach (var e in entries) auditInsert.Insert(e);
            }
            await tx.CommitAsync();
            inserted += batch.Count;
            if (inserted % 200_000 == 0)
                Console.WriteLine($"  {inserted:N0} requests, {sw.Elapsed.TotalSeconds:0} s ({inserted / sw.Elapsed.TotalSeconds:N0} rows/s, load {Fmt.Load()})");
        }
        await producer;

        // Each tenant's chain head continues from its last seeded entry, so the portal's own appends keep the chains valid.
        await db.AuditChainHeads.Where(h => audit.Heads.Keys.Contains(h.ChainId)).ExecuteDeleteAsync();
        db.AuditChainHeads.AddRange(audit.Heads.Values);
        await db.SaveChangesAsync();

        if (host.IsSqlite)
        {
            var indexing = Stopwatch.StartNew();
            foreach (var create in deferredIndexes) await Exec(connection, create);
            // Planner statistics, as the portal's own periodic PRAGMA optimize would gather them in production.
            await Exec(connection, "ANALYZE;");
            Console.WriteLine($"  {deferredIndexes.Count} indexes rebuilt and analysed in {indexing.Elapsed.TotalSeconds:0.0} s");
            await Exec(connection, "PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL;");
        }
        await connection.CloseAsync();
        return (requestCount, tickets, audit.Count);
    }

    private static void SetTransaction(DbTransaction tx, params IBulkInserter[] inserters)
    {
        foreach (var i in inserters) i.Transaction = tx;
    }

    private static async Task<List<string>> DropSecondaryIndexesAsync(DbConnection connection)
    {
        var creates = new List<string>();
        var names = new List<string>();
        await using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL " +
                                "AND tbl_name IN ('AccessRequests', 'AuditEntries', 'SupportTickets')";
            await using var reader = await query.ExecuteReaderAsync();
            while (await reader.ReadAsync()) { names.Add(reader.GetString(0)); creates.Add(reader.GetString(1)); }
        }
        foreach (var name in names) await Exec(connection, $"DROP INDEX \"{name}\";");
        return creates;
    }

    private static async Task Exec(DbConnection connection, string sql)
    {
        if (sql.Length == 0) return;
        await using var c = connection.CreateCommand();
        c.CommandText = sql;
        await c.ExecuteNonQueryAsync();
    }

    private static SupportTicket NewTicket(int n, Tenant tenant, Engineer engineer, DateTimeOffset created, Random rng) => new()
    {
        Id = Guid.CreateVersion7(created),
        Number = $"{created:yyMMdd}{n:0000000000}",
        TenantId = tenant.Id,
        Title = "Cluster issue " + n,
        Description = "The customer reports a problem with their cluster; see the attached must-gather.",
        Severity = (TicketSeverity)rng.Next(3),
        Product = engineer.Organization == "Microsoft" ? "Azure Red Hat OpenShift" : "Red Hat OpenShift",
        OpenedByOid = DemoPersonas.Uma.Oid,
        OpenedByName = "Customer user",
        AssignedOrganization = engineer.Organization,
        AssignedEngineerOid = engineer.Oid,
        AssignedEngineerName = engineer.Name,
        Status = created < Now.AddDays(-30) ? TicketStatus.Closed : TicketStatus.InProgress,
        CreatedAt = created.AddMinutes(-30),
        UpdatedAt = created,
    };

    /// <summary>A request filed at <paramref name="created"/> and carried through its lifecycle as of now.</summary>
    internal static AccessRequest NewRequest(Tenant tenant, SupportTicket ticket, Engineer engineer, DateTimeOffset created, Random rng)
    {
        var minutes = DurationsMinutes[rng.Next(DurationsMinutes.Length)];
        var subscription = rng.NextDouble() < 0.7;
        var r = new AccessRequest
        {
            Id = Guid.NewGuid(),
            TenantId = tenant.Id,
            TicketId = ticket.Id,
            TicketNumber = ticket.Number,
            EngineerOid = engineer.Oid,
            EngineerName = engineer.Name,
            EngineerEmail = engineer.Email,
            SupportOrganization = engineer.Organization,
            ScopeKind = subscription ? AccessScopeKind.Subscription : AccessScopeKind.Tenant,
            SubscriptionId = subscription ? DeterministicGuid((uint)(tenant.Id.GetHashCode() & 0x7fffffff)) : null,
            ResourceIds = subscription ? $"/subscriptions/{DeterministicGuid((uint)(tenant.Id.GetHashCode() & 0x7fffffff))}/resourceGroups/aro-prod/providers/Microsoft.RedHatOpenShift/openShiftClusters/prod" : "",
            Justification = Justifications[rng.Next(Justifications.Length)],
            RequestedMinutes = minutes,
            CreatedAt = created,
            PendingUntil = created.AddDays(4),
            Status = AccessRequestStatus.CustomerNotified,
        };

        if (!tenant.LockboxEnabled)
        {
            Approve(r, created, AccessRequest.SystemActor, null,
                AccessRequest.LockboxNotEnabledReason);
            return r;
        }

        var recent = Now - created < TimeSpan.FromDays(4);
        var roll = rng.NextDouble();
        var decidedAt = created.AddMinutes(5 + rng.NextDouble() * Math.Min(6 * 60, (Now - created).TotalMinutes * 0.9));
        if (decidedAt >= Now) decidedAt = Now.AddSeconds(-1);
        var approver = tenant.Id == DemoPersonas.ContosoTenant ? DemoPersonas.Adam : DemoPersonas.Frank;

        if (recent ? roll < 0.30 : false)
        {
            r.ReminderDueAt = r.PendingUntil.AddDays(-1);
        }
        else if (recent ? roll < 0.80 : roll < 0.71)
        {
            Approve(r, decidedAt, approver.Name, approver.Oid, null);
            if (!recent && roll >= 0.68)
            {
                r.Status = AccessRequestStatus.Revoked;
                r.AccessEndsAt = decidedAt.AddMinutes(minutes / 2.0);
                (r.ClosedAt, r.ClosedByName, r.ClosedReason) = (r.AccessEndsAt, approver.Name, "Work finished early");
            }
        }
        else if (recent ? roll < 0.92 : roll < 0.81)
        {
            (r.Status, r.DecidedAt, r.DecidedByName, r.DecidedByOid, r.DecisionReason) =
                (AccessRequestStatus.Denied, decidedAt, approver.Name, approver.Oid, "Not during the change freeze");
        }
        else if (!recent && roll < 0.91)
        {
            r.Status = AccessRequestStatus.Expired;
        }
        else
        {
            (r.Status, r.ClosedAt, r.ClosedByName) = (AccessRequestStatus.Withdrawn, decidedAt, engineer.Name);
        }
        return r;
    }

    private static void Approve(AccessRequest r, DateTimeOffset at, string by, Guid? oid, string? reason)
    {
        (r.Status, r.DecidedAt, r.DecidedByName, r.DecidedByOid, r.DecisionReason) = (AccessRequestStatus.Approved, at, by, oid, reason);
        (r.AccessStartsAt, r.AccessEndsAt) = (at, at.AddMinutes(r.RequestedMinutes));
        if (r.AccessEndsAt <= Now)
            (r.Status, r.ClosedAt, r.ClosedByName) = (AccessRequestStatus.Completed, r.AccessEndsAt, AccessRequest.SystemActor);
    }

    /// <summary>Valid per-tenant hash chains over the seeded history: the filing, then the decision or the system's close.</summary>
    private sealed class AuditChain
    {
        public Dictionary<Guid, AuditChainHead> Heads { get; } = [];
        public long Count { get; private set; }

        public IEnumerable<AuditEntry> For(AccessRequest r, bool lockboxEnabled)
        {
            var target = $"access-request/{r.Id}";
            yield return Next(r.CreatedAt, r.EngineerName, r.EngineerOid, r.TenantId, AuditActions.RequestFiled, target, new()
            {
                ["ticket"] = r.TicketNumber, ["organization"] = r.SupportOrganization, ["scope"] = r.ScopeKind.ToString(),
                ["requestedMinutes"] = r.RequestedMinutes, ["pendingUntil"] = r.PendingUntil,
            });
            var decision = r.Status switch
            {
                _ when !lockboxEnabled => AuditActions.RequestAutoApproved,
                AccessRequestStatus.Approved or AccessRequestStatus.Completed or AccessRequestStatus.Revoked => AuditActions.RequestApproved,
                AccessRequestStatus.Denied => AuditActions.RequestDenied,
                AccessRequestStatus.Expired => AuditActions.RequestExpired,
                AccessRequestStatus.Withdrawn => AuditActions.RequestWithdrawn,
                _ => null,
            };
            if (decision is null) yield break;
            var at = r.DecidedAt ?? r.ClosedAt ?? r.PendingUntil;
            var actor = r.DecidedByName ?? r.ClosedByName ?? AccessRequest.SystemActor;
            yield return Next(at, actor, r.DecidedByOid, r.TenantId, decision, target, new()
            {
                ["reason"] = r.DecisionReason, ["accessEndsAt"] = r.AccessEndsAt,
            });
        }

        private AuditEntry Next(DateTimeOffset at, string actor, Guid? oid, Guid tenant, string action, string target, Dictionary<string, object?> details)
        {
            var chain = AuditChains.Of(tenant);
            if (!Heads.TryGetValue(chain, out var head)) Heads[chain] = head = new AuditChainHead { ChainId = chain };
            Count++;
            var e = new AuditEntry
            {
                ChainId = chain,
                Sequence = ++head.Sequence,
                OccurredAt = new DateTimeOffset(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero),
                Actor = actor, ActorOid = oid, TenantId = tenant, Action = action, Target = target,
                Details = AuditWriter.CanonicalJson(details), PreviousHash = head.LastHash, Hash = "",
            };
            e.Hash = AuditWriter.ComputeHash(e);
            head.LastHash = e.Hash;
            return e;
        }
    }
}
