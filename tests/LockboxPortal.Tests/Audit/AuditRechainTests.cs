using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

/// <summary>
/// The move from the single portal-wide chain to per-tenant chains, on a database written by the version before:
/// the migration PerTenantAuditChains parks the old chain, the start-up step verifies and splits it, audited.
/// </summary>
public sealed class AuditRechainTests : IAsyncLifetime
{
    private const string MigrationBefore = "20261128192426_BladeStatusIndex";
    private static readonly Guid?[] Tenants = [ContosoTenant, FabrikamTenant, null, ContosoTenant, null, ContosoTenant, FabrikamTenant];

    private readonly PortalFixture _f = new(sqliteOnly: true);

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _f.DisposeAsync();

    /// <summary>The old schema with a valid portal-wide chain of seven entries and a signed checkpoint at entry 5, as the old version wrote them.</summary>
    private async Task<List<AuditEntry>> OldPortalWithChainAsync(Action<List<AuditEntry>>? tamper = null)
    {
        await using (var db = await _f.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync())
            await db.GetService<IMigrator>().MigrateAsync(MigrationBefore);

        var entries = new List<AuditEntry>();
        var previous = "";
        for (var i = 0; i < Tenants.Length; i++)
        {
            var e = new AuditEntry
            {
                Sequence = i + 1,
                OccurredAt = PortalFixture.Start.AddMinutes(i),
                Actor = $"Actor {i + 1}",
                TenantId = Tenants[i],
                Action = AuditActions.RequestFiled,
                Target = $"access-request/{Guid.NewGuid()}",
                Details = AuditWriter.CanonicalJson(new Dictionary<string, object?> { ["n"] = i + 1 }),
                PreviousHash = previous,
                Hash = "",
            };
            e.Hash = AuditWriter.ComputeHash(e);
            previous = e.Hash;
            entries.Add(e);
        }
        var key = await _f.Services.GetRequiredService<ISigningKeyStore>().GetActiveAsync();
        var checkpoint = GrantTokens.Sign(key, AuditCheckpointTokens.Type,
            new Dictionary<string, object> { ["seq"] = 5L, ["hash"] = entries[4].Hash }, issuedAt: PortalFixture.Start);
        tamper?.Invoke(entries);

        var time = new DateTimeOffsetToBinaryConverter();
        await using var conn = new SqliteConnection(_f.ConnectionString + ";Pooling=False");
        await conn.OpenAsync();
        foreach (var e in entries)
        {
            await using var insert = conn.CreateCommand();
            insert.CommandText = "INSERT INTO AuditEntries (Sequence, OccurredAt, Actor, ActorOid, TenantId, Action, Target, Details, PreviousHash, Hash) " +
                "VALUES ($s, $t, $a, NULL, $tenant, $action, $target, $d, $p, $h)";
            insert.Parameters.AddWithValue("$s", e.Sequence);
            insert.Parameters.AddWithValue("$t", time.ConvertToProvider(e.OccurredAt));
            insert.Parameters.AddWithValue("$a", e.Actor);
            insert.Parameters.AddWithValue("$tenant", (object?)e.TenantId?.ToString().ToUpperInvariant() ?? DBNull.Value);
            insert.Parameters.AddWithValue("$action", e.Action);
            insert.Parameters.AddWithValue("$target", e.Target);
            insert.Parameters.AddWithValue("$d", e.Details);
            insert.Parameters.AddWithValue("$p", e.PreviousHash);
            insert.Parameters.AddWithValue("$h", e.Hash);
            await insert.ExecuteNonQueryAsync();
        }
        await using var rest = conn.CreateCommand();
        rest.CommandText = "UPDATE AuditChainHeads SET Sequence = 7, LastHash = $last WHERE Id = 1; " +
            "INSERT INTO AuditCheckpoints (Sequence, Hash, CreatedAt, KeyId, Signature) VALUES (5, $h5, $t, $k, $sig);";
        rest.Parameters.AddWithValue("$last", entries[^1].Hash);
        rest.Parameters.AddWithValue("$h5", entries[4].Hash);
        rest.Parameters.AddWithValue("$t", time.ConvertToProvider(PortalFixture.Start));
        rest.Parameters.AddWithValue("$k", key.KeyId);
        rest.Parameters.AddWithValue("$sig", checkpoint);
        await rest.ExecuteNonQueryAsync();
        return entries;
    }

    private Task<List<AuditEntry>> ChainAsync(Guid chain) =>
        _f.Db(db => db.AuditEntries.AsNoTracking().Where(e => e.ChainId == chain).OrderBy(e => e.Sequence).ToListAsync());

    [Fact]
    public async Task Start_after_the_migration_splits_the_old_chain_into_tenant_chains_and_records_it()
    {
        var old = await OldPortalWithChainAsync();

        await _f.InitializeAsync(fromTemplate: false);

        Assert.Empty(await ChainAsync(AuditChains.Legacy));
        Assert.False(await _f.Db(db => db.AuditCheckpoints.AnyAsync(c => c.ChainId == AuditChains.Legacy)));
        // The fixture's sign-ins onboard the tenants after the split; those entries follow the moved ones.
        var contoso = (await ChainAsync(ContosoTenant)).Where(e => e.Action != AuditActions.TenantOnboarded).ToList();
        Assert.Equal(old.Where(e => e.TenantId == ContosoTenant).Select(e => e.Actor), contoso.Select(e => e.Actor));
        Assert.Equal([1L, 2L, 3L], contoso.Select(e => e.Sequence));
        Assert.Equal(old.Where(e => e.TenantId == FabrikamTenant).Select(e => e.Target), (await ChainAsync(FabrikamTenant)).Where(e => e.Action != AuditActions.TenantOnboarded).Select(e => e.Target));

        var portal = await ChainAsync(AuditChains.Portal);
        Assert.Equal(["Actor 3", "Actor 5", AuditRechainer.Actor], portal.Select(e => e.Actor));
        var split = portal[^1];
        Assert.Equal(AuditActions.AuditChainsSplit, split.Action);
        Assert.Contains("\"legacyEntries\":7", split.Details);
        Assert.Contains($"\"legacyLastHash\":\"{old[^1].Hash}\"", split.Details);
        Assert.Contains("\"legacyCheckpoints\":1", split.Details);

        foreach (var result in await _f.Services.GetRequiredService<AuditVerifier>().VerifyAllAsync())
        {
            Assert.True(result.Intact, $"{result.ChainName}: {result.Summary}");
            Assert.True(result.AnchorsVerified > 0, $"{result.ChainName} was anchored right after the split");
        }
        Assert.Null(await _f.Services.GetRequiredService<AuditRechainer>().RechainAsync()); // done once
    }

    [Fact]
    public async Task A_broken_old_chain_is_not_split_and_the_start_says_where_it_breaks()
    {
        await OldPortalWithChainAsync(entries => entries[3].Details = "{\"n\":400}");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _f.InitializeAsync(fromTemplate: false));

        Assert.Contains("broken at entry 4 (its content does not match its hash)", ex.Message);
        Assert.Equal(7, (await ChainAsync(AuditChains.Legacy)).Count);
        var legacy = await _f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(AuditChains.Legacy);
        Assert.False(legacy.Intact);
        Assert.Contains(legacy.Problems, p => p.Text.Contains("audit rechain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_old_chain_cut_below_its_signed_checkpoint_is_not_split()
    {
        await OldPortalWithChainAsync();
        await using (var conn = new SqliteConnection(_f.ConnectionString + ";Pooling=False"))
        {
            await conn.OpenAsync();
            await using var cut = conn.CreateCommand();
            cut.CommandText = "DELETE FROM AuditEntries WHERE Sequence > 4; UPDATE AuditChainHeads SET Sequence = 4, LastHash = (SELECT Hash FROM AuditEntries WHERE Sequence = 4);";
            await cut.ExecuteNonQueryAsync();
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _f.InitializeAsync(fromTemplate: false));

        Assert.Contains("a signed checkpoint covers entries the log no longer has", ex.Message);
    }
}
