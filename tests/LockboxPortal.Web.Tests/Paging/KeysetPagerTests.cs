using LockboxPortal.Web.Paging;

namespace LockboxPortal.Web.Tests.Paging;

/// <summary>The request grid's pager state, without a grid: moves, the range text, and overlapping loads.</summary>
public sealed class KeysetPagerTests
{
    private sealed record Cursor(int Row);

    /// <summary>A pager showing <paramref name="page"/> with <paramref name="items"/> rows (rows numbered from 1 across pages).</summary>
    private static KeysetPager<Cursor> Showing(int page, int items, int? total = null, int pageSize = 25)
    {
        var pager = new KeysetPager<Cursor>(pageSize);
        var load = pager.Begin(recount: true);
        var first = page * pageSize + 1;
        Assert.True(load.Rows(page, items, items > 0 ? new Cursor(first) : null, items > 0 ? new Cursor(first + items - 1) : null));
        if (total is { } t) Assert.True(load.Counted(t));
        load.End();
        return pager;
    }

    [Fact]
    public void Before_the_first_rows_the_range_is_empty_and_the_pager_is_loading()
    {
        var pager = new KeysetPager<Cursor>(25);
        Assert.Equal("", pager.Range);
        Assert.False(pager.Loading);
        var load = pager.Begin(recount: true);
        Assert.True(pager.Loading);
        Assert.False(load.Token.IsCancellationRequested);
    }

    [Fact]
    public void The_first_page_shows_its_range_with_an_ellipsis_until_the_count_arrives()
    {
        var pager = new KeysetPager<Cursor>(25);
        var load = pager.Begin(recount: true);
        load.Rows(0, 25, new Cursor(1), new Cursor(25));
        Assert.False(pager.Loading); // the pager is usable while the count runs
        Assert.Equal("1–25 of …", pager.Range);
        Assert.True(pager.HasNext); // a full page suggests more
        Assert.False(pager.CanJumpToLast);
        Assert.Null(pager.Last());

        load.Counted(1234);
        load.End();
        Assert.Equal("1–25 of 1,234", pager.Range);
        Assert.True(pager.CanJumpToLast);
    }

    [Fact]
    public void Nothing_matching_reads_zero_of_zero_and_allows_no_move()
    {
        var pager = Showing(0, 0, total: 0);
        Assert.Equal("0 of 0", pager.Range);
        Assert.False(pager.HasNext);
        Assert.False(pager.HasPrevious);
        Assert.Null(pager.Last());
    }

    [Fact]
    public void Next_seeks_after_the_last_row_of_the_current_page()
    {
        var move = Showing(1, 25, total: 100).Next();
        Assert.Equal(new PageMove<Cursor>(2, After: new Cursor(50)), move);
    }

    [Fact]
    public void Previous_seeks_before_the_first_row_and_back_to_the_first_page_goes_by_offset()
    {
        Assert.Equal(new PageMove<Cursor>(1, Before: new Cursor(51)), Showing(2, 25, total: 100).Previous());
        Assert.Equal(new PageMove<Cursor>(0), Showing(1, 25, total: 100).Previous());
    }

    [Fact]
    public void First_and_last_go_by_offset_and_last_is_the_page_holding_the_final_row()
    {
        var pager = Showing(0, 25, total: 101);
        Assert.Equal(new PageMove<Cursor>(0), pager.First());
        Assert.Equal(new PageMove<Cursor>(4), pager.Last());
        Assert.Equal(new PageMove<Cursor>(3), Showing(0, 25, total: 100).Last());
    }

    [Fact]
    public void On_the_last_page_there_is_no_next_and_the_range_ends_at_the_total()
    {
        var pager = Showing(4, 1, total: 101);
        Assert.False(pager.HasNext);
        Assert.True(pager.HasPrevious);
        Assert.Equal("101–101 of 101", pager.Range);
    }

    [Fact]
    public void Without_a_count_a_short_page_is_the_last()
    {
        Assert.False(Showing(3, 7).HasNext);
        Assert.Equal("76–82 of …", Showing(3, 7).Range);
    }

    [Fact]
    public void A_first_page_that_is_not_full_gives_the_total_without_a_count()
    {
        var pager = Showing(0, 7);
        Assert.Equal(7, pager.Total);
        Assert.Equal("1–7 of 7", pager.Range);
        Assert.False(pager.HasNext);

        pager.Restore(0, 3, new Cursor(1), new Cursor(3), total: null);
        Assert.Equal("1–3 of 3", pager.Range);
        pager.Restore(0, 25, new Cursor(1), new Cursor(25), total: null);
        Assert.Null(pager.Total); // a full first page may have more behind it
        pager.Restore(2, 7, new Cursor(51), new Cursor(57), total: null);
        Assert.Null(pager.Total); // a short later page: the earlier pages' rows may have changed since
    }

    [Fact]
    public void A_load_replaced_by_a_newer_one_is_cancelled_and_its_answers_are_ignored()
    {
        var pager = Showing(0, 25, total: 100);
        var older = pager.Begin(recount: false);
        var newer = pager.Begin(recount: true);

        Assert.True(older.Token.IsCancellationRequested);
        Assert.False(newer.Token.IsCancellationRequested);
        Assert.Null(pager.Total); // the newer load changed the filters: the old count no longer holds

        Assert.False(older.Rows(3, 25, new Cursor(76), new Cursor(100)));
        Assert.False(older.Counted(100));
        older.End();
        Assert.True(pager.Loading); // the newer load is still on its way
        Assert.Equal(0, pager.Page);

        Assert.True(newer.Rows(0, 10, new Cursor(1), new Cursor(10)));
        Assert.True(newer.Counted(10));
        newer.End();
        Assert.Equal("1–10 of 10", pager.Range);
        Assert.False(pager.Loading);
    }

    [Fact]
    public void Moving_pages_keeps_the_count_and_a_recount_forgets_it()
    {
        var pager = Showing(0, 25, total: 100);
        pager.Begin(recount: false).Rows(1, 25, new Cursor(26), new Cursor(50));
        Assert.Equal("26–50 of 100", pager.Range);
        pager.Begin(recount: true);
        Assert.Null(pager.Total);
    }

    [Fact]
    public void Cancelling_stops_the_load_in_flight()
    {
        var pager = new KeysetPager<Cursor>(25);
        var load = pager.Begin(recount: true);
        pager.Cancel();
        Assert.True(load.Token.IsCancellationRequested);
        Assert.False(pager.Loading);
        Assert.False(load.Rows(0, 25, new Cursor(1), new Cursor(25)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_page_size_below_one_is_refused(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeysetPager<Cursor>(size));
        var pager = new KeysetPager<Cursor>(25);
        Assert.Throws<ArgumentOutOfRangeException>(() => pager.PageSize = size);
        Assert.Equal(25, pager.PageSize);
    }
}
