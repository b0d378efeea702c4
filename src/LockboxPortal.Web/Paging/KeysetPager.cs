namespace LockboxPortal.Web.Paging;

/// <summary>Which page to load, and from which edge of the current page to seek (null: by offset).</summary>
public sealed record PageMove<TCursor>(int Page, TCursor? After = null, TCursor? Before = null) where TCursor : class;

/// <summary>
/// The pager of a grid that pages by keyset where it can: moving one page on seeks from the edge of the current
/// page (so deep pages cost the same as the first), jumps go by offset, and the total arrives after the rows.
/// Loads overlap when a user clicks or types faster than the database answers; the newest one wins and an older
/// one is cancelled and ignored, so the grid never shows a page it was not last asked for.
/// </summary>
public sealed class KeysetPager<TCursor> where TCursor : class
{
    private Load? _current;
    private int _pageSize;

    public KeysetPager(int pageSize) => PageSize = pageSize;

    public int Page { get; private set; }
    public int? Total { get; private set; }
    public int ItemCount { get; private set; }
    public TCursor? FirstCursor { get; private set; }
    public TCursor? LastCursor { get; private set; }
    public bool Loaded { get; private set; }
    /// <summary>Rows are on their way (the count may still run after them: the pager is usable meanwhile).</summary>
    public bool Loading => _current is { RowsIn: false };

    public int PageSize
    {
        get => _pageSize;
        set => _pageSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A page holds at least one row.");
    }

    /// <summary>Without a total yet, a full page suggests there may be more.</summary>
    public bool HasNext => Total is { } total ? (Page + 1) * PageSize < total : ItemCount == PageSize;
    public bool HasPrevious => Page > 0;
    public bool CanJumpToLast => HasNext && Total is not null;

    /// <summary>"26–50 of 1,234", "26–50 of …" while the count runs, "0 of 0" for nothing, "" before the first rows.</summary>
    public string Range
    {
        get
        {
            if (ItemCount == 0) return Total is null && !Loaded ? "" : "0 of 0";
            var from = Page * PageSize + 1;
            var to = from + ItemCount - 1;
            return Total is { } total ? $"{from:N0}–{to:N0} of {total:N0}" : $"{from:N0}–{to:N0} of …";
        }
    }

    public PageMove<TCursor> First() => new(0);

    public PageMove<TCursor> Next() => new(Page + 1, After: LastCursor);

    // Page 1 back to 0 goes by offset: the first page is the plain query, whatever came in since.
    public PageMove<TCursor> Previous() => Page <= 1 ? new(0) : new(Page - 1, Before: FirstCursor);

    /// <summary>The last page by offset; null while the total is unknown or nothing matches.</summary>
    public PageMove<TCursor>? Last() => Total is { } total && total > 0 ? new((total - 1) / PageSize) : null;

    /// <summary>
    /// A page as loaded elsewhere (the prerender, or one load shared by every open grid after a change): rows, their
    /// edge cursors and the total. A load in flight (a count after its rows) is dropped: this answer is newer.
    /// </summary>
    public void Restore(int page, int itemCount, TCursor? first, TCursor? last, int? total)
    {
        _current?.Cancel();
        _current = null;
        (Page, ItemCount, FirstCursor, LastCursor, Total, Loaded) = (page, itemCount, first, last, total ?? KnownTotal(page, itemCount), true);
    }

    /// <summary>A first page that is not full holds every match: that is the total, without a count.</summary>
    private int? KnownTotal(int page, int itemCount) => page == 0 && itemCount < PageSize ? itemCount : null;

    /// <summary>Starts a load, cancelling the one in flight. <paramref name="recount"/>: the filters changed, so the total is unknown again.</summary>
    public Load Begin(bool recount)
    {
        _current?.Cancel();
        if (recount) Total = null;
        return _current = new Load(this);
    }

    /// <summary>Drops the load in flight (the grid is going away).</summary>
    public void Cancel()
    {
        _current?.Cancel();
        _current = null;
    }

    /// <summary>One load of a page. Its answers count only while it is the newest load.</summary>
    public sealed class Load
    {
        private readonly KeysetPager<TCursor> _pager;
        private readonly CancellationTokenSource _cts = new();

        internal Load(KeysetPager<TCursor> pager) => _pager = pager;

        public CancellationToken Token => _cts.Token;
        internal bool RowsIn { get; private set; }
        public bool IsCurrent => ReferenceEquals(_pager._current, this);

        /// <summary>Records the page that arrived; false (and nothing changes) when a newer load took over.</summary>
        public bool Rows(int page, int itemCount, TCursor? first, TCursor? last)
        {
            if (!IsCurrent) return false;
            (_pager.Page, _pager.ItemCount, _pager.FirstCursor, _pager.LastCursor, _pager.Loaded) = (page, itemCount, first, last, true);
            if (_pager.KnownTotal(page, itemCount) is { } total) _pager.Total = total;
            RowsIn = true;
            return true;
        }

        /// <summary>Records the count that arrived after the rows, unless a newer load took over.</summary>
        public bool Counted(int total)
        {
            if (!IsCurrent) return false;
            _pager.Total = total;
            return true;
        }

        /// <summary>The load is over (answered, failed or cancelled); the pager is idle unless a newer load runs.</summary>
        public void End()
        {
            if (IsCurrent) _pager._current = null;
        }

        // Cancelled, not disposed: a query still awaiting the database holds a registration on the token.
        internal void Cancel() => _cts.Cancel();
    }
}
