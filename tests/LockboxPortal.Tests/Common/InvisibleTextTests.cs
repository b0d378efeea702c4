using FluentValidation;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Common;

/// <summary>
/// The invisible-text rule of <see cref="Validation"/> as every validator applies it: zero-width-only text and
/// direction overrides (U+202A–U+202E, U+2066–U+2069) are refused in titles, descriptions, justifications,
/// reasons, comments, names and email addresses; a minimum length counts visible characters only.
/// </summary>
public sealed class InvisibleTextTests : IAsyncDisposable
{
    private const string SixZeroWidthSpaces = "\u200B\u200B\u200B\u200B\u200B\u200B";
    private readonly PortalFixture _f = new();

    public static TheoryData<string> Overrides => new()
    {
        "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069",
    };

    private static OpenTicketCommand Ticket(string title = "Cluster down", string description = "The API server answers 503 since noon.") =>
        new(title, description, TicketSeverity.B, "Azure Red Hat OpenShift");

    private static FileAccessRequestCommand Request(string justification) =>
        new("2311280010001234", AccessScopeKind.Tenant, null, [], justification);

    private async Task<IReadOnlyList<string>> ErrorsAsync<T>(T command)
    {
        var result = await _f.Services.GetRequiredService<IValidator<T>>().ValidateAsync(command);
        return result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}").ToList();
    }

    [Fact]
    public async Task Six_zero_width_spaces_are_not_a_ticket_title()
    {
        var errors = await ErrorsAsync(Ticket(title: SixZeroWidthSpaces));
        Assert.Contains(errors, e => e.StartsWith("Title:") && e.Contains("at least 5 characters"));
    }

    [Fact]
    public async Task A_minimum_length_counts_visible_characters_only()
    {
        var errors = await ErrorsAsync(Request("Need\u200B\u200B\u200B\u200B\u200B\u200B\u200B it"));
        Assert.Contains(errors, e => e.StartsWith("Justification:") && e.Contains("at least 10 characters"));
        Assert.Empty(await ErrorsAsync(Request("Need the API logs for the 503s")));
    }

    [Theory]
    [MemberData(nameof(Overrides))]
    public async Task A_direction_override_is_refused_in_every_free_text_field(string mark)
    {
        var text = $"Read the logs {mark}gnp.exe{mark} please";
        Assert.Contains(await ErrorsAsync(Ticket(title: text)), e => e.StartsWith("Title:") && e.Contains("reorder how text is shown"));
        Assert.Contains(await ErrorsAsync(Ticket(description: text)), e => e.StartsWith("Description:") && e.Contains("U+202A"));
        Assert.Contains(await ErrorsAsync(Request(text)), e => e.StartsWith("Justification:") && e.Contains("U+202A"));
        Assert.Contains(await ErrorsAsync(new DenyCommand(text)), e => e.StartsWith("Reason:") && e.Contains("U+202A"));
        Assert.Contains(await ErrorsAsync(new RevokeCommand(text)), e => e.StartsWith("Reason:") && e.Contains("U+202A"));
        Assert.Contains(await ErrorsAsync(new ApproveCommand(null, text)), e => e.StartsWith("Comment:") && e.Contains("U+202A"));
        var sp = new CreateServicePrincipalCommand
        {
            SubscriptionId = "0b1f6471-1bf0-4dda-aec3-cb9272f09590", ResourceGroupName = "aro-rg", Location = "westeurope",
            DisplayName = $"aro{mark}ps",
        };
        Assert.Contains(await ErrorsAsync(sp), e => e.StartsWith("DisplayName:") && e.Contains("U+202A"));
        Assert.False(EmailAddresses.IsValid($"ops{mark}@contoso.com"));
    }

    [Fact]
    public async Task Only_invisible_characters_are_not_a_reason_or_a_comment()
    {
        Assert.Contains(await ErrorsAsync(new RevokeCommand(SixZeroWidthSpaces)), e => e.StartsWith("Reason:") && e.Contains("reason for revoking"));
        Assert.Contains(await ErrorsAsync(new DenyCommand(SixZeroWidthSpaces)), e => e.StartsWith("Reason:") && e.Contains("reason for the denial"));
        Assert.Contains(await ErrorsAsync(new ApproveCommand(null, SixZeroWidthSpaces)), e => e.StartsWith("Comment:") && e.Contains("no visible characters"));
        Assert.Empty(await ErrorsAsync(new ApproveCommand(null, null)));
        Assert.Empty(await ErrorsAsync(new RevokeCommand("Ticket closed")));
    }

    [Theory]
    [InlineData("ops\u200B@contoso.com")]
    [InlineData("\uFEFFops@contoso.com")]
    [InlineData("ops@conto\u200Dso.com")]
    public void An_email_address_with_an_invisible_character_is_not_valid(string address) =>
        Assert.False(EmailAddresses.IsValid(address));

    [Fact]
    public void Visible_text_in_other_scripts_and_emoji_counts_as_visible()
    {
        Assert.Equal(5, Validation.VisibleLength("Grüße"));
        Assert.Equal(4, Validation.VisibleLength("日本語✅"));
        Assert.Equal(2, Validation.VisibleLength("👍🏽"));
        Assert.Equal(0, Validation.VisibleLength("\u3164\u2800 \u200B\u00AD"));
        Assert.True(EmailAddresses.IsValid("ops@contoso.com"));
    }

    public ValueTask DisposeAsync() => _f.DisposeAsync();
}
