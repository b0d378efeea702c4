using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

/// <summary>
/// Checkpoints as a chain of their own, each also written to the anchor folder: the attacks that cut the tail of
/// a chain together with the newest checkpoint rows and rewind the head, as someone with database access would.
/// </summary>
public sealed class AuditAnchorTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(sqliteOnly: true);
    private static readonly string Contoso = ContosoTenant.ToString().ToUpperInvariant();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private string AnchorFolder => Path.Combine(Path.GetDirectoryName(_f.DatabasePath)!, "data", "audit-digests");
    private string AnchorFile(long number) => Path.Combine(AnchorFolder, AuditAnchorNames.Of(ContosoTenant, number));

    private Task<AuditVerificationResult> VerifyAsync() => _f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(ContosoTenant);

    private async Task<AuditCheckpoint> CheckpointAsync() =>
        (await _f.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync()).Single(c => c.ChainId == ContosoTenant);

    private async Task DecideSomeAsync()
    {
        var a = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(a.Id, new ApproveCommand()));
        var b = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Adam, s => s.DenyAsync(b.Id, new DenyCommand("Not during the freeze.")));
    }

    /// <summary>Three rounds of history, each closed by a checkpoint: checkpoints 1, 2 and 3.</summary>
    private async Task<IReadOnlyList<AuditCheckpoint>> ThreeCheckpointsAsync()
    {
        var checkpoints = new List<AuditCheckpoint>();
        for (var i = 0; i < 3; i++)
        {
            await DecideSomeAsync();
            checkpoints.Add(await CheckpointAsync());
        }
        return checkpoints;
    }

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

    /// <summary>Deletes every entry after <paramref name="keep"/> and every checkpoint after it, and rewinds the head to it.</summary>
    private async Task CutTailAsync(AuditCheckpoint keep) =>
        await SqlAsync("DELETE FROM AuditEntries WHERE ChainId = $c AND Sequence > $s; DELETE FROM AuditCheckpoints WHERE ChainId = $c AND Number > $n; " +
            "UPDATE AuditChainHeads SET Sequence = $s, LastHash = $h WHERE ChainId = $c;", ("$s", keep.Sequence), ("$n", keep.Number), ("$h", keep.Hash));

    [Fact]
    public async Task Each_checkpoint_names_the_one_before_and_its_anchor_holds_the_same_signature()
    {
        var checkpoints = await ThreeCheckpointsAsync();

        Assert.Equal([1L, 2L, 3L], checkpoints.Select(c => c.Number));
        Assert.Equal("", checkpoints[0].PreviousHash);
        Assert.Equal(AuditCheckpointTokens.HashOf(checkpoints[0].Signature), checkpoints[1].PreviousHash);
        Assert.Equal(AuditCheckpointTokens.HashOf(checkpoints[1].Signature), checkpoints[2].PreviousHash);
        foreach (var c in checkpoints)
        {
            Assert.NotNull(c.AnchoredAt);
            Assert.Equal(c.Signature, (await File.ReadAllTextAsync(AnchorFile(c.Number))).Trim());
        }
        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(3, result.CheckpointsVerified);
        Assert.Equal(3, result.AnchorsVerified);
        Assert.Null(result.AnchorWarning);
    }

    [Fact]
    public async Task Cut_tail_with_its_checkpoint_rows_deleted_and_the_head_rewound_is_caught_by_the_anchors()
    {
        var checkpoints = await ThreeCheckpointsAsync();
        await CutTailAsync(checkpoints[0]);

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        var texts = result.Problems.Select(p => p.Text).ToList();
        Assert.Contains($"entries {checkpoints[0].Sequence + 1}–{checkpoints[2].Sequence} are missing after anchored checkpoint 1: " +
            $"anchored checkpoint 3 covers entry {checkpoints[2].Sequence}, but the log ends at entry {checkpoints[0].Sequence}: they were deleted.", texts);
        Assert.Contains(texts, t => t.StartsWith("checkpoint 2 (entry ", StringComparison.Ordinal) && t.Contains("was deleted from the database"));
        Assert.Contains(texts, t => t.StartsWith("checkpoint 3 (entry ", StringComparison.Ordinal) && t.Contains("was deleted from the database"));
        Assert.Equal(checkpoints[0].Sequence, result.VerifiedThrough);
    }

    [Fact]
    public async Task The_same_cut_with_the_anchor_folder_gone_verifies_only_with_a_warning()
    {
        var checkpoints = await ThreeCheckpointsAsync();
        await CutTailAsync(checkpoints[0]);
        Directory.Delete(AnchorFolder, recursive: true);

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary); // the database alone cannot show it: that is what the warning says
        Assert.StartsWith($"The anchor folder {AnchorFolder} does not exist", result.AnchorWarning);
        Assert.Equal(0, result.AnchorsVerified);
    }

    [Fact]
    public async Task Deleted_checkpoint_row_is_named_by_its_number()
    {
        await ThreeCheckpointsAsync();
        await SqlAsync("DELETE FROM AuditCheckpoints WHERE ChainId = $c AND Number = 2");

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Text == "checkpoint 2 was deleted from the database (checkpoint 3 follows checkpoint 1).");
        Assert.Contains(result.Problems, p => p.Text.StartsWith("checkpoint 2 (entry ", StringComparison.Ordinal) && p.Text.EndsWith("its anchor file remains.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forged_anchor_file_is_named_as_having_a_bad_signature()
    {
        var checkpoints = await ThreeCheckpointsAsync();
        using var foreign = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var c = checkpoints[1];
        var forged = AuditCheckpointTokens.Sign(new ActiveSigningKey(c.KeyId, foreign), ContosoTenant, c.Number, c.Sequence, c.Hash, c.PreviousHash, _f.Time.GetUtcNow());
        File.SetAttributes(AnchorFile(2), FileAttributes.Normal);
        await File.WriteAllTextAsync(AnchorFile(2), forged);

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Text.StartsWith("anchor file 2 has a bad signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleted_anchor_file_is_named()
    {
        await ThreeCheckpointsAsync();
        File.Delete(AnchorFile(3));

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Text.StartsWith("anchor file 3 is missing from the anchor folder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Checkpoint_row_replaced_by_one_for_a_rewritten_chain_differs_from_its_anchor()
    {
        var checkpoints = await ThreeCheckpointsAsync();
        var other = checkpoints[0];
        await SqlAsync("UPDATE AuditCheckpoints SET Signature = $s WHERE ChainId = $c AND Number = 3", ("$s", other.Signature));

        var result = await VerifyAsync();

        Assert.Contains(result.Problems, p => p.Text == "checkpoint 3 in the database differs from anchor file 3: the checkpoint was replaced.");
    }

    [Fact]
    public async Task Anchor_that_could_not_be_written_is_written_at_the_next_round()
    {
        await DecideSomeAsync();
        Directory.CreateDirectory(AnchorFolder);
        var blocked = Path.Combine(AnchorFolder, ContosoTenant.ToString("D"));
        await File.WriteAllTextAsync(blocked, "a file where the chain's folder belongs"); // the write fails

        var first = await CheckpointAsync();
        Assert.Null(first.AnchoredAt);
        Assert.Contains("Could not write anchor 1 of the tenant", _f.Logs.All);

        File.Delete(blocked);
        var again = await _f.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync();

        Assert.Empty(again); // nothing new to sign, but the pending anchor went out
        Assert.Equal(first.Signature, (await File.ReadAllTextAsync(AnchorFile(1))).Trim());
        Assert.NotNull(await _f.Db(db => db.AuditCheckpoints.Where(c => c.ChainId == ContosoTenant && c.Number == 1).Select(c => c.AnchoredAt).SingleAsync()));
        Assert.True((await VerifyAsync()).Intact);
    }

    [Fact]
    public async Task An_existing_anchor_is_never_overwritten_with_other_content()
    {
        var store = _f.Services.GetRequiredService<IAuditAnchorStore>();
        await store.EnsureCreatedAsync(default);
        await store.WriteAsync(new AuditAnchor(ContosoTenant, 1, "first"), default);
        await store.WriteAsync(new AuditAnchor(ContosoTenant, 1, "first"), default); // a retry is fine

        await Assert.ThrowsAsync<AuditAnchorConflictException>(() => store.WriteAsync(new AuditAnchor(ContosoTenant, 1, "second"), default));
        Assert.Equal("first", await File.ReadAllTextAsync(AnchorFile(1)));
    }
}
