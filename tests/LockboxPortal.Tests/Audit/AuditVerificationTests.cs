using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

public sealed class AuditVerificationTests : IAsyncLifetime
{
    // Tampering goes through SQLite directly.
    private readonly PortalFixture _f = new(sqliteOnly: true);

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<AuditVerificationResult> VerifyAsync() => _f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(ContosoTenant);

    /// <summary>Signs the grown chains; returns Contoso's new checkpoint, if any.</summary>
    private async Task<AuditCheckpoint?> CheckpointAsync() =>
        (await _f.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync()).SingleOrDefault(c => c.ChainId == ContosoTenant);

    /// <summary>How SQLite stores a Guid (upper-case text): the chain key of Contoso's rows.</summary>
    private static readonly string Contoso = ContosoTenant.ToString().ToUpperInvariant();

    /// <summary>Three requests: filed, approved (with its grant), denied — a dozen entries or so.</summary>
    private async Task<long> SomeHistoryAsync()
    {
        var a = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(a.Id, new ApproveCommand()));
        var b = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Adam, s => s.DenyAsync(b.Id, new DenyCommand("Not during the freeze.")));
        return await _f.Db(db => db.AuditEntries.Where(e => e.ChainId == ContosoTenant).MaxAsync(e => e.Sequence));
    }

    /// <summary>Runs SQL as someone with write access to the database would; <c>$c</c> is Contoso's chain.</summary>
    private async Task SqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new SqliteConnection(_f.ConnectionString + ";Pooling=False");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$c", Contoso);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Untouched_log_is_intact_through_its_last_entry_and_names_the_last_checkpoint()
    {
        var last = await SomeHistoryAsync();
        var checkpoint = await CheckpointAsync();

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(last, result.VerifiedThrough);
        Assert.Equal(last, checkpoint!.Sequence);
        Assert.Equal(last, result.LastCheckpointSequence);
        Assert.Contains($"Intact through entry {last}", result.Summary);
        Assert.Null(await CheckpointAsync()); // nothing new to sign
    }

    [Fact]
    public async Task Entries_written_at_sub_millisecond_times_still_verify_after_the_round_trip_through_sqlite()
    {
        _f.Time.Advance(TimeSpan.FromTicks(1_234_567)); // 123.4567 ms: finer than the SQLite converter keeps
        await SomeHistoryAsync();
        _f.Time.Advance(TimeSpan.FromTicks(9_999));
        await _f.PendingContosoRequestAsync();

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary);
    }

    [Fact]
    public async Task Edited_entry_is_reported_at_that_entry()
    {
        await SomeHistoryAsync();
        await SqlAsync("UPDATE AuditEntries SET Details = '{\"reason\":\"approved by the CEO\"}' WHERE Sequence = 4 AND ChainId = $c");

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(4, result.BrokenAt);
        Assert.Equal(3, result.VerifiedThrough);
        Assert.Contains("edited", result.Problem);
    }

    [Fact]
    public async Task Edited_entry_with_its_own_hash_recomputed_is_reported_where_the_chain_breaks()
    {
        await SomeHistoryAsync();
        var e = await _f.Db(db => db.AuditEntries.AsNoTracking().SingleAsync(x => x.ChainId == ContosoTenant && x.Sequence == 4));
        e.Actor = "Someone Else";
        await SqlAsync("UPDATE AuditEntries SET Actor = $a, Hash = $h WHERE Sequence = 4 AND ChainId = $c", ("$a", e.Actor), ("$h", AuditWriter.ComputeHash(e)));

        var result = await VerifyAsync();

        Assert.Equal(5, result.BrokenAt);
        Assert.Contains("does not chain from entry 4", result.Problem);
    }

    [Fact]
    public async Task Deleted_entry_is_reported_at_that_entry()
    {
        await SomeHistoryAsync();
        await SqlAsync("DELETE FROM AuditEntries WHERE Sequence = 3 AND ChainId = $c");

        var result = await VerifyAsync();

        Assert.Equal(3, result.BrokenAt);
        Assert.Contains("missing", result.Problem);
    }

    [Fact]
    public async Task Deleted_last_entry_is_reported_against_the_chain_head()
    {
        var last = await SomeHistoryAsync();
        await SqlAsync("DELETE FROM AuditEntries WHERE Sequence = $s AND ChainId = $c", ("$s", last));

        var result = await VerifyAsync();

        Assert.Equal(last, result.BrokenAt);
        Assert.Contains("missing", result.Problem);
    }

    [Fact]
    public async Task Reordered_entries_are_reported_at_the_first_moved_entry()
    {
        await SomeHistoryAsync();
        await SqlAsync("UPDATE AuditEntries SET Sequence = -3 WHERE Sequence = 3 AND ChainId = $c; UPDATE AuditEntries SET Sequence = 3 WHERE Sequence = 4 AND ChainId = $c; UPDATE AuditEntries SET Sequence = 4 WHERE Sequence = -3 AND ChainId = $c;");

        var result = await VerifyAsync();

        Assert.Equal(3, result.BrokenAt);
        Assert.Contains("does not chain", result.Problem);
    }

    /// <summary>
    /// Someone with write access rewrites entry 2 and recomputes every hash after it and the head: the chain
    /// alone looks perfect, but the signed checkpoint no longer matches.
    /// </summary>
    private async Task<long> ForgeConsistentChainFromAsync(long from)
    {
        var entries = await _f.Db(db => db.AuditEntries.AsNoTracking().Where(e => e.ChainId == ContosoTenant).OrderBy(e => e.Sequence).ToListAsync());
        var previous = entries.Single(e => e.Sequence == from - 1).Hash;
        foreach (var e in entries.Where(e => e.Sequence >= from))
        {
            if (e.Sequence == from) e.Actor = "Nobody";
            e.PreviousHash = previous;
            e.Hash = AuditWriter.ComputeHash(e);
            previous = e.Hash;
            await SqlAsync("UPDATE AuditEntries SET Actor = $a, PreviousHash = $p, Hash = $h WHERE Sequence = $s AND ChainId = $c",
                ("$a", e.Actor), ("$p", e.PreviousHash), ("$h", e.Hash), ("$s", e.Sequence));
        }
        await SqlAsync("UPDATE AuditChainHeads SET LastHash = $h WHERE ChainId = $c", ("$h", previous));
        return entries[^1].Sequence;
    }

    [Fact]
    public async Task Forged_consistent_chain_is_caught_by_the_signed_checkpoint()
    {
        await SomeHistoryAsync();
        var checkpoint = await CheckpointAsync();
        var r = await _f.PendingContosoRequestAsync(); // entries after the checkpoint
        await ForgeConsistentChainFromAsync(2);

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Equal(checkpoint!.Sequence, result.BrokenAt);
        Assert.Contains("checkpoint", result.Problem);
    }

    [Fact]
    public async Task Forged_chain_with_a_matching_checkpoint_row_fails_the_checkpoint_signature()
    {
        await SomeHistoryAsync();
        var checkpoint = await CheckpointAsync();
        await ForgeConsistentChainFromAsync(2);
        var forgedHash = await _f.Db(db => db.AuditEntries.Where(e => e.ChainId == ContosoTenant && e.Sequence == checkpoint!.Sequence).Select(e => e.Hash).SingleAsync());
        await SqlAsync("UPDATE AuditCheckpoints SET Hash = $h WHERE ChainId = $c", ("$h", forgedHash));

        var result = await VerifyAsync();

        Assert.Equal(checkpoint!.Sequence, result.BrokenAt);
        Assert.Contains("signature", result.Problem);
    }

    [Fact]
    public async Task Checkpoint_signed_with_a_key_the_portal_never_had_is_rejected()
    {
        await SomeHistoryAsync();
        var checkpoint = await CheckpointAsync();
        using var foreign = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var forged = AuditCheckpointTokens.Sign(new ActiveSigningKey(checkpoint!.KeyId, foreign), ContosoTenant, checkpoint.Number,
            checkpoint.Sequence, checkpoint.Hash, checkpoint.PreviousHash, _f.Time.GetUtcNow());
        await SqlAsync("UPDATE AuditCheckpoints SET Signature = $s WHERE ChainId = $c", ("$s", forged));

        var result = await VerifyAsync();

        Assert.Equal(checkpoint.Sequence, result.BrokenAt);
        Assert.Contains("signature", result.Problem);
    }

    [Fact]
    public async Task Truncated_log_and_head_are_caught_by_a_checkpoint_beyond_the_end()
    {
        var last = await SomeHistoryAsync();
        await CheckpointAsync();
        var previous = await _f.Db(db => db.AuditEntries.Where(e => e.ChainId == ContosoTenant && e.Sequence == last - 1).Select(e => e.Hash).SingleAsync());
        await SqlAsync("DELETE FROM AuditEntries WHERE Sequence = $s AND ChainId = $c; UPDATE AuditChainHeads SET Sequence = $p, LastHash = $h WHERE ChainId = $c;",
            ("$s", last), ("$p", last - 1), ("$h", previous));

        var result = await VerifyAsync();

        Assert.Equal(last, result.BrokenAt);
        Assert.Contains("deleted", result.Problem);
    }

    [Fact]
    public async Task Verification_is_for_global_administrators_and_a_refusal_is_audited()
    {
        await SomeHistoryAsync();
        var ok = await _f.As(Carol, sp => sp.GetRequiredService<AuditService>().VerifyAsync());
        Assert.True(ok.Intact);

        var ex = await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(Adam, sp => sp.GetRequiredService<AuditService>().VerifyAsync()));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(Adam, sp => sp.GetRequiredService<AuditService>().VerifyAsync()));
        Assert.Equal(1, await _f.Services.GetRequiredService<RefusalAuditor>().WriteQueuedAsync());

        var refusal = await _f.Db(db => db.AuditEntries.Where(e => e.ChainId == ContosoTenant).OrderBy(e => e.Sequence).LastAsync());
        Assert.Equal(AuditActions.AuthorizationRefused, refusal.Action);
        Assert.Equal(Adam.Name, refusal.Actor);
        Assert.Equal(Adam.Oid, refusal.ActorOid);
        Assert.Equal(ContosoTenant, refusal.TenantId);
        Assert.Contains("AuditService.VerifyAsync", refusal.Details);
        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Another_tenants_request_is_not_found_and_not_audited_as_a_refusal()
    {
        var r = await _f.PendingContosoRequestAsync();
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Lockbox(Frank, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.As(Frank, sp => sp.GetRequiredService<AuditService>().HistoryOfRequestAsync(r.Id)));
        Assert.Equal(0, await _f.Services.GetRequiredService<RefusalAuditor>().WriteQueuedAsync());
    }
}
