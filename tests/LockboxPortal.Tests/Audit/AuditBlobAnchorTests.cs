using Azure.Storage.Blobs;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

/// <summary>Anchors in Azure Blob Storage, against the Azurite emulator on loopback.</summary>
public sealed class AuditBlobAnchorTests(AzuriteServer azurite) : IClassFixture<AzuriteServer>, IAsyncLifetime
{
    private readonly string _container = "anchors-" + Guid.NewGuid().ToString("N")[..12];
    private PortalFixture _f = null!;

    public async Task InitializeAsync()
    {
        _f = new PortalFixture(s =>
        {
            s["Audit:Anchors:Store"] = "AzureBlob";
            s["Audit:Anchors:ConnectionString"] = azurite.ConnectionString;
            s["Audit:Anchors:Container"] = _container;
            // Azurite does not implement immutability policies (its README lists them as unsupported); write-once
            // (If-None-Match: *) is what it checks here.
            s["Audit:Anchors:ImmutabilityDays"] = "0";
        }, sqliteOnly: true);
        await _f.InitializeAsync();
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private BlobContainerClient Container => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_container);

    private async Task<AuditCheckpoint> DecideAndCheckpointAsync()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        return (await _f.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync()).Single(c => c.ChainId == ContosoTenant);
    }

    private Task<AuditVerificationResult> VerifyAsync() => _f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(ContosoTenant);

    [Fact]
    public async Task Checkpoints_are_written_as_blobs_and_the_chain_verifies_against_them()
    {
        var first = await DecideAndCheckpointAsync();
        var second = await DecideAndCheckpointAsync();

        var blob = Container.GetBlobClient(AuditAnchorNames.Of(ContosoTenant, 2));
        Assert.Equal(second.Signature, (await blob.DownloadContentAsync()).Value.Content.ToString());
        Assert.NotNull(first.AnchoredAt);
        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(2, result.AnchorsVerified);
        Assert.Contains(ContosoTenant, await _f.Services.GetRequiredService<IAuditAnchorStore>().ListChainsAsync(default));
    }

    [Fact]
    public async Task Cut_tail_with_deleted_checkpoint_rows_is_caught_by_the_blob_anchors()
    {
        var keep = await DecideAndCheckpointAsync();
        var gone = await DecideAndCheckpointAsync();
        await using (var conn = new SqliteConnection(_f.ConnectionString + ";Pooling=False"))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "DELETE FROM AuditEntries WHERE ChainId = $c AND Sequence > $s; DELETE FROM AuditCheckpoints WHERE ChainId = $c AND Number > 1; " +
                "UPDATE AuditChainHeads SET Sequence = $s, LastHash = $h WHERE ChainId = $c;";
            cmd.Parameters.AddWithValue("$c", ContosoTenant.ToString().ToUpperInvariant());
            cmd.Parameters.AddWithValue("$s", keep.Sequence);
            cmd.Parameters.AddWithValue("$h", keep.Hash);
            await cmd.ExecuteNonQueryAsync();
        }

        var result = await VerifyAsync();

        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Text.StartsWith($"entries {keep.Sequence + 1}–{gone.Sequence} are missing after anchored checkpoint 1", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Text.StartsWith("checkpoint 2 (entry ", StringComparison.Ordinal) && p.Text.Contains("deleted from the database"));
    }

    [Fact]
    public async Task A_blob_anchor_is_never_overwritten()
    {
        var checkpoint = await DecideAndCheckpointAsync();
        var store = _f.Services.GetRequiredService<IAuditAnchorStore>();

        await store.WriteAsync(new AuditAnchor(ContosoTenant, 1, checkpoint.Signature), default); // the same again: fine
        await Assert.ThrowsAsync<AuditAnchorConflictException>(() => store.WriteAsync(new AuditAnchor(ContosoTenant, 1, "forged"), default));

        Assert.Equal(checkpoint.Signature, (await Container.GetBlobClient(AuditAnchorNames.Of(ContosoTenant, 1)).DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task A_forged_anchor_blob_is_named_as_having_a_bad_signature()
    {
        await DecideAndCheckpointAsync();
        await Container.GetBlobClient(AuditAnchorNames.Of(ContosoTenant, 2)).UploadAsync(BinaryData.FromString("eyJhbGciOiJub25lIn0.e30."));

        var result = await VerifyAsync();

        Assert.Contains(result.Problems, p => p.Text.StartsWith("anchor file 2 has a bad signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deleted_container_is_a_warning_not_a_broken_log()
    {
        await DecideAndCheckpointAsync();
        await Container.DeleteAsync();

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Summary);
        Assert.Contains("does not exist", result.AnchorWarning);
    }
}
