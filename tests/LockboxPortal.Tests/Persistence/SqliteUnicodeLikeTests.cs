using LockboxPortal.Infrastructure.Persistence;

namespace LockboxPortal.Tests.Persistence;

/// <summary>SQLite's lockbox_like: LIKE with the escape character \, ignoring case in every script.</summary>
public sealed class SqliteUnicodeLikeTests
{
    [Theory]
    [InlineData("%åström%", "Jörg ÅSTRÖM", true)]
    [InlineData("%ÅSTRÖM", "jörg åström", true)]
    [InlineData("%astrom%", "Jörg Åström", false)] // an accent is part of the letter
    [InlineData("straße", "STRASSE", false)] // one letter is not two
    [InlineData("50\\%é", "50%É", true)]
    [InlineData("50\\%é", "500É", false)] // an escaped % is the character
    [InlineData("a\\_b", "a_B", true)]
    [InlineData("a\\_b", "axb", false)]
    [InlineData("a_b", "aéb", true)]
    [InlineData("a_b", "a\U0001D400b", true)] // _ is one character, a surrogate pair included
    [InlineData("a_b", "ab", false)]
    [InlineData("%[x]%", "a[X]b", true)] // [ is no character set here
    [InlineData("%[x]%", "axb", false)]
    [InlineData("C:\\\\x%", "c:\\X1", true)]
    [InlineData("%.*%", "a.*b", true)] // regex characters are literal
    [InlineData("%.*%", "ab", false)]
    [InlineData("é", "É\n", false)] // the whole value, as LIKE
    public void Matches_as_LIKE_does_ignoring_case(string pattern, string value, bool matches) =>
        Assert.Equal(matches, SqliteUnicodeLike.IsMatch(pattern, value));

    [Fact]
    public void Null_on_either_side_is_null_as_LIKE_answers()
    {
        Assert.Null(SqliteUnicodeLike.IsMatch(null, "a"));
        Assert.Null(SqliteUnicodeLike.IsMatch("a", null));
    }
}
