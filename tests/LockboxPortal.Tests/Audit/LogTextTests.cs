using LockboxPortal.Application.Audit;

namespace LockboxPortal.Tests.Audit;

/// <summary>
/// LogText.Neutralise feeds columns of a fixed size (an audit entry's actor and target: 200, which SQL Server enforces),
/// so its result must never be longer than the limit it is given, whatever the text holds.
/// </summary>
public class LogTextTests
{
    [Theory]
    [InlineData(200, 200)] // fits exactly: kept whole
    [InlineData(201, 200)]
    [InlineData(256, 200)] // an Entra display name may have 256 characters
    [InlineData(10_000, 200)]
    [InlineData(2, 1)]
    public void A_long_text_is_cut_to_the_limit_with_an_ellipsis(int length, int max)
    {
        var text = new string('a', length);
        var result = LogText.Neutralise(text, max);
        Assert.True(result.Length <= max, $"{result.Length} characters for a limit of {max}.");
        if (length <= max) Assert.Equal(text, result);
        else Assert.Equal(new string('a', max - 1) + "…", result);
    }

    [Fact]
    public void An_escape_at_the_limit_is_left_out_whole_not_cut_or_let_past_it()
    {
        // 197 letters, then a control character whose escape (\u0007) would end at 203.
        var result = LogText.Neutralise(new string('a', 197) + "\u0007" + "bbb", 200);
        Assert.Equal(new string('a', 197) + "…", result);

        // The same escape well inside the limit is kept.
        Assert.Equal("a\\u0007b", LogText.Neutralise("a\u0007b", 200));
    }

    [Fact]
    public void Line_breaks_tabs_and_control_characters_become_escapes()
    {
        Assert.Equal("one\\r\\ntwo\\tthree\\u001b[31m", LogText.Neutralise("one\r\ntwo\tthree\u001b[31m", 200));
        Assert.Equal("", LogText.Neutralise(null, 200));
        Assert.Equal("", LogText.Neutralise("", 200));
    }

    [Fact]
    public void A_surrogate_pair_is_never_split_and_a_lone_surrogate_is_escaped()
    {
        // 199 letters then an emoji (two UTF-16 units) ending at 201: the emoji goes whole, not half of it.
        var result = LogText.Neutralise(new string('a', 199) + "😀", 200);
        Assert.Equal(new string('a', 199) + "…", result);
        Assert.DoesNotContain(result, char.IsSurrogate);

        Assert.Equal("ok😀", LogText.Neutralise("ok😀", 200));
        Assert.Equal("x\\ud800y", LogText.Neutralise("x\ud800y", 200));
    }

    [Fact]
    public void Every_result_fits_its_limit_for_texts_of_escapes_and_pairs()
    {
        var pieces = new[] { "a", "\n", "\u0001", "😀", "\ud800", "é" };
        var random = new Random(16);
        for (var n = 0; n < 2_000; n++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 120)).Select(_ => pieces[random.Next(pieces.Length)]));
            var max = random.Next(1, 60);
            var result = LogText.Neutralise(text, max);
            Assert.True(result.Length <= max, $"'{result}' has {result.Length} characters for a limit of {max}.");
            Assert.DoesNotContain(result, c => char.IsControl(c));
            for (var i = 0; i < result.Length; i++)
                if (char.IsHighSurrogate(result[i])) Assert.True(i + 1 < result.Length && char.IsLowSurrogate(result[++i]), $"A split pair in '{result}'.");
                else Assert.False(char.IsLowSurrogate(result[i]), $"A lone low surrogate in '{result}'.");
        }
    }
}
