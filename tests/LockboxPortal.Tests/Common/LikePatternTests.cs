using LockboxPortal.Application.Common;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Tests.Common;

/// <summary>A search text is found literally: none of LIKE's special characters, on either provider, act as a pattern.</summary>
public sealed class LikePatternTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Theory]
    [InlineData("kim", "%kim%")]
    [InlineData("50%", "%50\\%%")]
    [InlineData("a_b", "%a\\_b%")]
    [InlineData("C:\\x", "%C:\\\\x%")]
    [InlineData("[ext]", "%\\[ext]%")] // SQL Server reads "[ext]" as any one of e, x, t
    public void Special_characters_are_escaped(string text, string pattern) => Assert.Equal(pattern, LikePattern.Containing(text));

    [Fact]
    public async Task Each_text_finds_only_the_rows_that_contain_it_literally()
    {
        string[] actors = ["[ext] vendor", "e vendor", "50% done", "500 done", "a_b", "axb", "C:\\x", "C:x"];
        var chain = Guid.NewGuid();
        await _f.Db(async db =>
        {
            for (var i = 0; i < actors.Length; i++)
                db.AuditEntries.Add(new LockboxPortal.Domain.Audit.AuditEntry
                {
                    ChainId = chain, Sequence = i + 1, Actor = actors[i], Action = "probe", Target = "probe", Details = "{}",
                    PreviousHash = "", Hash = "", OccurredAt = PortalFixture.Start,
                });
            return await db.SaveChangesAsync();
        });

        foreach (var (text, expected) in new[] { ("[ext]", "[ext] vendor"), ("50%", "50% done"), ("a_b", "a_b"), ("C:\\x", "C:\\x") })
        {
            var like = LikePattern.Containing(text);
            var found = await _f.Db(db => db.AuditEntries.AsNoTracking()
                .Where(e => e.ChainId == chain && EF.Functions.Like(e.Actor, like, LikePattern.Escape)).Select(e => e.Actor).ToListAsync());
            Assert.Equal([expected], found);
        }
    }
}
