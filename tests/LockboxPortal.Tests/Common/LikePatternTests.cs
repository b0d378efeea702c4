using LockboxPortal.Application.Common;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Tests.Common;

/// <summary>
/// A search text is found literally: none of LIKE's special characters, on either provider, act as a pattern. A name
/// compared ignoring case is found in every case .NET takes as equal, on a real table.
/// </summary>
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

    [Theory]
    [InlineData("Kim@Contoso.com", "Kim@Contoso.com")]
    [InlineData("josé@x", "jos%@x")]
    [InlineData("ÅSTRÖM", "%STR%M")]
    [InlineData("ÄÖÜ_x", "%\\_x")]
    [InlineData("50%é", "50\\%%")] // an escaped % is no wildcard: the run outside ASCII still gets its own
    [InlineData("\U0001D400b", "%b")] // a surrogate pair is one run
    public void Equal_ignoring_case_escapes_ASCII_and_widens_each_run_outside_it(string text, string pattern) =>
        Assert.Equal(pattern, LikePattern.EqualIgnoringCase(text));

    [Theory]
    [InlineData("åström", "%_str_m%")]
    [InlineData("50%é", "%50\\%_%")]
    [InlineData("a\U0001D400_b", "%a_\\_b%")] // a surrogate pair is one character
    [InlineData("kim", "%kim%")]
    public void Containing_any_character_outside_ASCII_keeps_ASCII_and_widens_each_other_character(string text, string pattern) =>
        Assert.Equal(pattern, LikePattern.ContainingAnyCharacterOutsideAscii(text));

    [Fact]
    public async Task Equal_ignoring_case_finds_every_value_dotnet_takes_as_equal()
    {
        // Pairs that .NET (OrdinalIgnoreCase) takes as equal though SQLite's lower() and LIKE fold only A–Z, and
        // lookalikes that it does not; the pattern must find the former on a real table, and the latter are for .NET.
        string[] names =
        [
            "JOSÉ.ÅSTRÖM@contoso.com", "josé.åström@contoso.com", "jose.astrom@contoso.com", "Straße", "STRASSE", "strasse",
            "Ǆ-team", "ǆ-team", "\U00010400x", "\U00010428x", "\u212Aelvin", "kelvin", "KELVIN", "Ｋelvin", "İstanbul",
            "istanbul", "ıstanbul", "50%É", "50%é", "500é", "a_b", "axb", "[x]", "x",
        ];
        var chain = await AddActorsAsync(names);

        foreach (var name in names)
        {
            var pattern = LikePattern.EqualIgnoringCase(name);
            var found = await _f.Db(db => db.AuditEntries.AsNoTracking()
                .Where(e => e.ChainId == chain && EF.Functions.Like(e.Actor, pattern, LikePattern.Escape)).Select(e => e.Actor).ToListAsync());
            var equal = names.Where(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(equal.All(found.Contains), $"'{name}' ({pattern}) found [{string.Join(", ", found)}], not all of [{string.Join(", ", equal)}]");
        }
        // The widening stays narrow for ASCII: a name of A–Z finds itself in any case, and of the rest at most lookalikes
        // outside ASCII that a database's collation folds onto it (SQL Server's takes "Ｋelvin" for "kelvin").
        var kelvin = LikePattern.EqualIgnoringCase("kelvin");
        var kelvins = await _f.Db(db => db.AuditEntries.AsNoTracking()
            .Where(e => e.ChainId == chain && EF.Functions.Like(e.Actor, kelvin, LikePattern.Escape)).Select(e => e.Actor).ToListAsync());
        Assert.Contains("kelvin", kelvins);
        Assert.Contains("KELVIN", kelvins);
        Assert.All(kelvins.Except(["kelvin", "KELVIN"]), n => Assert.False(n.All(char.IsAscii), $"'{n}' was found for 'kelvin'"));
    }

    private async Task<Guid> AddActorsAsync(string[] actors)
    {
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
        return chain;
    }

    [Fact]
    public async Task Each_text_finds_only_the_rows_that_contain_it_literally()
    {
        string[] actors = ["[ext] vendor", "e vendor", "50% done", "500 done", "a_b", "axb", "C:\\x", "C:x"];
        var chain = await AddActorsAsync(actors);

        foreach (var (text, expected) in new[] { ("[ext]", "[ext] vendor"), ("50%", "50% done"), ("a_b", "a_b"), ("C:\\x", "C:\\x") })
        {
            var like = LikePattern.Containing(text);
            var found = await _f.Db(db => db.AuditEntries.AsNoTracking()
                .Where(e => e.ChainId == chain && EF.Functions.Like(e.Actor, like, LikePattern.Escape)).Select(e => e.Actor).ToListAsync());
            Assert.Equal([expected], found);
        }
    }
}
