// Remembers the theme the user picked, for a year, in a cookie the server reads when it prerenders a page.
export function remember(theme) {
    const secure = location.protocol === 'https:' ? '; secure' : '';
    document.cookie = `lockbox.theme=${theme === 'dark' ? 'dark' : 'light'}; path=/; max-age=31536000; samesite=lax${secure}`;
}

// Whether the operating system asks for dark pages (the toggle's label follows it until the user chooses).
export function systemDark() {
    return matchMedia('(prefers-color-scheme: dark)').matches;
}
