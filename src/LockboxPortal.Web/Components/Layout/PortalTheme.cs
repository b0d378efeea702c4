using MudBlazor;

namespace LockboxPortal.Web.Components.Layout;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#0f5ea8",
            Secondary = "#5c2d91",
            AppbarBackground = "#0f3d6e",
            Success = "#107c10",
            Info = "#0b5394",
            Warning = "#8a5300",
            Error = "#b00020",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#6cb6ff",
            Secondary = "#c5a3ff",
            AppbarBackground = "#0b1f33",
            Info = "#7cc4ff",
            Success = "#7ee08a",
            Warning = "#ffc66d",
            Error = "#ff8a8a",
        },
    };
}
