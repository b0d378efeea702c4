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
            // Light fills in the dark theme carry dark text: white on these fails WCAG AA contrast (axe, dark pages).
            Primary = "#6cb6ff",
            PrimaryContrastText = "#0b1f33",
            Secondary = "#c5a3ff",
            SecondaryContrastText = "#0b1f33",
            AppbarBackground = "#0b1f33",
            Info = "#7cc4ff",
            InfoContrastText = "#0b1f33",
            Success = "#7ee08a",
            SuccessContrastText = "#0b1f33",
            Warning = "#ffc66d",
            WarningContrastText = "#0b1f33",
            Error = "#ff8a8a",
            ErrorContrastText = "#0b1f33",
            // Labels, helper texts and inactive step titles use these; MudBlazor's defaults are too faint on its dark surface.
            TextPrimary = "rgba(255,255,255,0.87)",
            TextSecondary = "rgba(255,255,255,0.72)",
            TextDisabled = "rgba(255,255,255,0.60)",
        },
    };
}
