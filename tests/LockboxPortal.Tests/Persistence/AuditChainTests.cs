using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Persistence;

public sealed class AuditChainTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Entries_written_by_concurrent_decisions_in_one_tenant_form_one_unbroken_chain()
    {
        var requests = new List<AccessRequestDto>();
        for (var i = 0; i < 8; i++) requests.Add(await _f.PendingContosoRequestAsync());

        await Task.WhenAll(requests.Select((r, i) => Task.Run(() => i % 2 == 0
            ? _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()))
            : _f.Lockbox(Adam, s => s.DenyAsync(r.Id, new DenyCommand("Not this time."))))));

        var entries = await _f.Db(db => db.AuditEntries.Where(e => e.ChainId == ContosoTenant).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        var previous = "";
        foreach (var e in entries)
        {
            Assert.Equal(previous, e.PreviousHash);
            Assert.Equal(AuditWriter.ComputeHash(e), e.Hash);
            previous = e.Hash;
        }
        var head = await _f.Db(db => db.AuditChainHeads.SingleAsync(h => h.ChainId == ContosoTenant));
        Assert.Equal(entries[^1].Sequence, head.Sequence);
        Assert.Equal(entries[^1].Hash, head.LastHash);
    }

    [Fact]
    public async Task User_text_in_audit_fields_cannot_break_a_line()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("Line one\r\nFAKE ENTRY: approved")));
        var details = await _f.Db(db => db.AuditEntries.Where(e => e.ChainId == ContosoTenant).OrderBy(e => e.Sequence).Select(e => e.Details).LastAsync());
        Assert.DoesNotContain('\n', details);
        Assert.Contains("\\r\\n", details);
    }

    [Fact]
    public void Canonical_json_sorts_keys_and_has_no_whitespace()
    {
        var json = AuditWriter.CanonicalJson(new Dictionary<string, object?> { ["b"] = 1, ["a"] = new Dictionary<string, object?> { ["z"] = "x", ["m"] = null } });
        Assert.Equal("{\"a\":{\"m\":null,\"z\":\"x\"},\"b\":1}", json);
    }
}
