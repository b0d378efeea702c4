using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LockboxPortal.Application.Audit;

/// <summary>What happened, before it is chained.</summary>
public sealed record AuditRecord(
    string Action,
    string Target,
    string Actor,
    Guid? ActorOid,
    Guid? TenantId,
    IReadOnlyDictionary<string, object?>? Details = null);

/// <summary>
/// Appends hash-chained audit entries inside the caller's transaction: the entry commits with the
/// state change it describes, or neither does. Each tenant has a chain of its own (entries with no tenant
/// go to the portal chain), so an append locks only its own chain's head row.
/// </summary>
/// <remarks>
/// One writer for the process (a singleton): between a transaction's first append to a chain and its save, the stored
/// head has the new sequence but the previous hash, and only this writer's positions know where the chain stands.
/// </remarks>
public sealed class AuditWriter(TimeProvider time)
{
    // Where each open transaction left each chain it appended to: after its first append to a chain the
    // transaction holds that head row's write lock until it ends, so further appends continue from here. Keyed by
    // the context's own handle on the transaction: on SQLite, units queued behind each other share one database
    // transaction (group commit) and a unit can be rolled back alone, so each unit reads the head itself.
    private readonly ConditionalWeakTable<IDbContextTransaction, Dictionary<Guid, ChainPosition>> _positions = new();

    private sealed class ChainPosition(AuditChainHead head, IReadOnlyList<Integrations.WebhookOutbox.Subscriber> subscribers)
    {
        /// <summary>
        /// The chain's head row, tracked by the context: each append moves it on in memory, and the caller's
        /// <c>SaveChanges</c> writes where the appends left it, with their entries.
        /// </summary>
        public AuditChainHead Head { get; } = head;

        /// <summary>The chain's tenant's webhook endpoints, read with the transaction's first append to the chain.</summary>
        public IReadOnlyList<Integrations.WebhookOutbox.Subscriber> Subscribers { get; } = subscribers;
    }

    public async Task<AuditEntry> AppendAsync(ILockboxDbContext db, AuditRecord record, CancellationToken ct)
    {
        var transaction = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("Audit entries are written inside the transaction of the change they record.");

        var chainId = AuditChains.Of(record.TenantId);
        var entry = new AuditEntry
        {
            ChainId = chainId,
            Actor = LogText.Neutralise(record.Actor, Security.PortalUser.NameMaxLength),
            ActorOid = record.ActorOid,
            TenantId = record.TenantId,
            Action = record.Action,
            Target = LogText.Neutralise(record.Target, 200),
            Details = CanonicalJson(record.Details),
            PreviousHash = "",
            Hash = "",
        };

        var positions = _positions.GetValue(transaction, _ => []);
        // A head the context no longer tracks (its change tracker was cleared after a save) would be moved on in memory
        // and never written: then the chain's head is read again, under the lock this transaction already holds.
        if (positions.TryGetValue(chainId, out var position) && db.AuditChainHeads.Entry(position.Head).State != EntityState.Detached)
        {
            Chain(entry, position.Head.Sequence + 1, position.Head.LastHash);
        }
        else
        {
            // Updating the head row first takes its write lock on every provider, so appenders to this chain
            // queue here and each one chains from the entry committed just before it.
            await LockHeadAsync(db, chainId, ct);
            var head = await db.AuditChainHeads.AsNoTracking().SingleAsync(h => h.ChainId == chainId, ct);
            Chain(entry, head.Sequence, head.LastHash);
            position = positions[chainId] = new ChainPosition(Track(db, head),
                record.TenantId is { } tenant ? await Integrations.WebhookOutbox.SubscribersAsync(db, tenant, ct) : []);
        }
        (position.Head.Sequence, position.Head.LastHash) = (entry.Sequence, entry.Hash);
        db.AuditEntries.Add(entry);
        Integrations.WebhookOutbox.Enqueue(db, entry, position.Subscribers);
        return entry;
    }

    /// <summary>
    /// Tracks the head as the lock just read it. A head this context still tracks from earlier work holds what was
    /// stored then, so it is let go first: a tracking query would have handed that one back, stale.
    /// </summary>
    private static AuditChainHead Track(ILockboxDbContext db, AuditChainHead head)
    {
        if (db.ChangeTracker.Entries<AuditChainHead>().FirstOrDefault(e => e.Entity.ChainId == head.ChainId) is { } earlier)
            earlier.State = EntityState.Detached;
        db.AuditChainHeads.Attach(head);
        return head;
    }

    /// <summary>Moves the chain's head one entry on, creating the head with a tenant's first entry.</summary>
    private static async Task LockHeadAsync(ILockboxDbContext db, Guid chainId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var moved = await db.AuditChainHeads.Where(h => h.ChainId == chainId)
                .ExecuteUpdateAsync(s => s.SetProperty(h => h.Sequence, h => h.Sequence + 1), ct);
            if (moved == 1) return;
            try
            {
                // A statement of its own, not the change tracker: a failed insert must leave nothing tracked.
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO AuditChainHeads (ChainId, Sequence, LastHash) VALUES ({chainId}, {1L}, {""})", ct);
                return;
            }
            catch (DbException ex) when (attempt == 0 && db.IsUniqueConstraintViolation(ex))
            {
                // Another transaction created this chain's head a moment ago (SQL Server: the insert waited for
                // its commit, then hit the key); the update now finds that row and queues behind it. Any other
                // failure (a deadlock, a timeout) ends the unit, which the provider's retry policy may run again.
            }
        }
    }

    private void Chain(AuditEntry entry, long sequence, string previousHash)
    {
        entry.Sequence = sequence;
        entry.OccurredAt = Truncate(time.GetUtcNow());
        entry.PreviousHash = previousHash;
        entry.Hash = ComputeHash(entry);
    }

    /// <summary>SHA-256 over the previous hash followed by the canonical form of the entry, hex-encoded.</summary>
    public static string ComputeHash(AuditEntry e)
    {
        var canonical = CanonicalJson(new Dictionary<string, object?>
        {
            ["sequence"] = e.Sequence,
            ["occurredAt"] = e.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"),
            ["actor"] = e.Actor,
            ["actorOid"] = e.ActorOid?.ToString(),
            ["tenantId"] = e.TenantId?.ToString(),
            ["action"] = e.Action,
            ["target"] = e.Target,
            ["details"] = e.Details,
        });
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(e.PreviousHash + canonical));
        return Convert.ToHexStringLower(bytes);
    }

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON with keys sorted ordinally and no insignificant whitespace.</summary>
    public static string CanonicalJson(IReadOnlyDictionary<string, object?>? values)
    {
        var node = JsonSerializer.SerializeToNode(values ?? new Dictionary<string, object?>(), Json);
        return Sort(node)?.ToJsonString(Json) ?? "{}";
    }

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray(a.Select(x => Sort(x?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };

    // Providers keep different precision and the hash must survive a round trip through either: SQLite's
    // DateTimeOffsetToBinaryConverter keeps 1000 ticks (100 µs), so whole milliseconds are what both keep.
    internal static DateTimeOffset Truncate(DateTimeOffset t) =>
        new(t.UtcDateTime.Ticks - t.UtcDateTime.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
