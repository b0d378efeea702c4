// Layout behaviour that needs no circuit. The navigation drawer opens and closes in the browser alone: a class on <html> (outside what Blazor renders, so a
// re-render or the circuit's start keeps it), read by app.css. From 960 px the drawer sits beside the page and is open
// until toggled; below that it lies over the page, hidden until toggled, and closes when a page is chosen, when the
// scrim is clicked or on Escape. The toggle's aria-expanded says which.
(() => {
    'use strict';
    const narrow = matchMedia('(max-width: 959.98px)');
    const root = document.documentElement;

    const shown = () => narrow.matches ? root.classList.contains('lb-nav-open') : !root.classList.contains('lb-nav-closed');

    function sync() {
        const expanded = String(shown());
        for (const toggle of document.querySelectorAll('[data-drawer-toggle]')) {
            if (toggle.getAttribute('aria-expanded') !== expanded) toggle.setAttribute('aria-expanded', expanded);
        }
    }

    function set(open) {
        if (narrow.matches) root.classList.toggle('lb-nav-open', open);
        else root.classList.toggle('lb-nav-closed', !open);
        sync();
    }

    document.addEventListener('click', e => {
        if (!(e.target instanceof Element)) return;
        // A grid row (tr[data-href], its cells plain markup) opens like its link: Blazor's router takes the link's click.
        const row = e.target.closest('tr[data-href]');
        if (row && e.button === 0 && !e.defaultPrevented && !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey)
            && !e.target.closest('a, button, input, select, textarea, label') && !window.getSelection()?.toString()) {
            row.querySelector('a[href]')?.click();
            return;
        }
        if (e.target.closest('[data-drawer-toggle]')) set(!shown());
        else if (e.target.closest('[data-drawer-close]')) set(false);
        else if (narrow.matches && shown() && e.target.closest('.lb-drawer a[href]')) set(false); // the page would stay behind it
    });
    document.addEventListener('keydown', e => {
        if (e.key === 'Escape' && narrow.matches && shown()) set(false);
    });
    // Crossing 960 px starts the narrow drawer closed again, and the wide one as it was.
    narrow.addEventListener('change', () => {
        root.classList.remove('lb-nav-open');
        sync();
    });
    // Blazor renders the toggle anew (the circuit's first render, enhanced navigation): give it its state again.
    new MutationObserver(() => {
        if (document.querySelector('[data-drawer-toggle]:not([aria-expanded])')) sync();
    }).observe(document, { childList: true, subtree: true });
    sync();
})();

// The theme toggle's two questions, as globals the circuit calls by name. Not an imported module: a module reference is
// a JS object handle, and releasing it sends its id (a long) from .NET, which built System.Text.Json metadata for long
// and its ~30 interfaces in every circuit's own JSRuntime options (docs/performance.md, "Third round: circuit memory").
window.lockboxTheme = {
    // Whether the operating system asks for dark pages (the toggle's label follows it until the user chooses).
    systemDark: () => matchMedia('(prefers-color-scheme: dark)').matches,
    // Remembers the theme the user picked, for a year, in a cookie the server reads when it prerenders a page.
    remember: theme => {
        const secure = location.protocol === 'https:' ? '; secure' : '';
        document.cookie = `lockbox.theme=${theme === 'dark' ? 'dark' : 'light'}; path=/; max-age=31536000; samesite=lax${secure}`;
    },
};

// After a navigation within the circuit (Layout/FocusHeadingOnNavigate.cs): the new page's heading takes focus, so a screen
// reader announces it. Called without arguments: the selector is here, not sent from .NET (see that file).
window.lockboxLayout = {
    focusHeading: () => {
        const heading = document.querySelector('h1');
        if (!heading) return;
        if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
    },
};
