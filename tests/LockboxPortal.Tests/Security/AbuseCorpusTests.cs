using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Security;

/// <summary>
/// The hostile corpus through every command, query and service method that takes text: zero unexpected
/// exceptions; each refusal an expected kind with a readable message; each acceptance stored as typed.
/// </summary>
[Trait(Category.Name, Category.Slow)]
public sealed class AbuseCorpusTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PortalFixture _f = new(s => s["RateLimits:RequestFiling:PermitLimit"] = "100000");
    private string _ticket = "";
    private int _tried, _accepted, _refused;

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        _ticket = (await _f.OpenTicketAsync(Uma)).Number;
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task The_corpus_through_every_form_model_and_service_method_gives_only_clear_refusals()
    {
        var corpus = HostileInput.Corpus().ToList();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var baseline = Scenario.Request("x");
        var missing = Guid.NewGuid();

        foreach (var s in corpus)
        {
            // Filing: each field in turn.
            await Try(Mia, sp => Lockbox(sp).FileAsync(baseline with { TicketNumber = s }));
            await Try(Mia, sp => Lockbox(sp).FileAsync(Scenario.Request(_ticket) with { SubscriptionId = s }));
            await Try(Mia, sp => Lockbox(sp).FileAsync(Scenario.Request(_ticket) with { ScopeKind = AccessScopeKind.Tenant, SubscriptionId = null, ResourceIds = [s] }));
            await Try(Mia, sp => Lockbox(sp).FileAsync(Scenario.Request(_ticket) with { ResourceIds = [Scenario.ResourceGroup, s] }));
            await Try(Mia, sp => Lockbox(sp).FileAsync(Scenario.Request(_ticket) with { Justification = s }),
                accepted: r => Assert.Equal(s.Trim(), ((AccessRequestDto)r).Justification));

            // Decisions (on an id no one has: validation first, then not found — never a change).
            await Try(Carol, sp => Lockbox(sp).DenyAsync(missing, new DenyCommand(s)));
            await Try(Carol, sp => Lockbox(sp).ApproveAsync(missing, new ApproveCommand(Comment: s)));
            await Try(Carol, sp => Lockbox(sp).RevokeAsync(missing, new RevokeCommand(s)));

            // Tickets.
            await Try(Uma, sp => Tickets(sp).OpenAsync(new OpenTicketCommand(s, "A description long enough.", TicketSeverity.C, "Azure Red Hat OpenShift")),
                accepted: r => Assert.Equal(s.Trim(), ((TicketDto)r).Title));
            await Try(Uma, sp => Tickets(sp).OpenAsync(new OpenTicketCommand("Title ok", s, TicketSeverity.C, "Azure Red Hat OpenShift")));
            await Try(Uma, sp => Tickets(sp).OpenAsync(new OpenTicketCommand("Title ok", "A description long enough.", TicketSeverity.C, s)));
            await Try(Uma, sp => Tickets(sp).OpenAsync(new OpenTicketCommand("Title ok", "A description long enough.", TicketSeverity.C, "Azure Red Hat OpenShift", s)));
            await Try(Uma, sp => Tickets(sp).OpenAsync(new OpenTicketCommand("Title ok", "A description long enough.", TicketSeverity.C, "Azure Red Hat OpenShift", null, s)));

            // Queries and look-ups.
            await Try(Carol, sp => Requests(sp).ListAsync(new RequestListQuery { Search = s }));
            await Try(Mia, sp => Tickets(sp).ListAsync(new TicketListQuery { Search = s }));
            await Try(Mia, sp => Tickets(sp).GetByNumberAsync(s));

            // Administration.
            await Try(Carol, sp => sp.GetRequiredService<AdministrationService>().SetAlternateEmailsAsync([s], Guid.Empty));
        }
        started.Stop();
        output.WriteLine($"{corpus.Count} corpus strings, {_tried} service calls: {_accepted} accepted, {_refused} refused with a clear message, 0 unexpected exceptions, {started.Elapsed.TotalSeconds:0.0} s.");
        var figures = $"tried {_tried}, accepted {_accepted}, refused {_refused}";
        Assert.True(_tried > 10_000, figures);
        Assert.True(_refused > 3_000 && _accepted > 200, "The corpus should both pass and fail validation: " + figures);
    }

    [Fact]
    public void Odd_enum_values_and_limits_are_refused_by_the_validators_with_messages()
    {
        var validator = _f.Services.GetRequiredService<FluentValidation.IValidator<FileAccessRequestCommand>>();
        var bad = Scenario.Request("2611280010001234") with { ScopeKind = (AccessScopeKind)42, Duration = TimeSpan.FromDays(-1) };
        var result = validator.Validate(bad);
        Assert.False(result.IsValid);
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.ErrorMessage)));
        var many = Scenario.Request("2611280010001234") with { ResourceIds = Enumerable.Repeat(Scenario.ResourceGroup, 10_000).ToList() };
        Assert.Contains(validator.Validate(many).Errors, e => e.ErrorMessage.Contains("at most"));
    }

    private static LockboxCommands Lockbox(IServiceProvider sp) => sp.GetRequiredService<LockboxCommands>();
    private static LockboxQueries Requests(IServiceProvider sp) => sp.GetRequiredService<LockboxQueries>();
    private static TicketService Tickets(IServiceProvider sp) => sp.GetRequiredService<TicketService>();

    private async Task Try<T>(Infrastructure.Demo.DemoPersona who, Func<IServiceProvider, Task<T>> call, Action<object>? accepted = null)
    {
        _tried++;
        try
        {
            var result = await _f.As(who, call);
            _accepted++;
            accepted?.Invoke(result!);
        }
        catch (Exception ex) when (ex is InputValidationException or NotFoundException or ConflictException)
        {
            _refused++;
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            Assert.DoesNotContain("   at ", ex.Message);
            Assert.True(ex.Message.Length < 1_000, $"A refusal message of {ex.Message.Length} characters.");
            Assert.False(ex.Message.Any(c => char.IsControl(c)), $"Control characters in the message: {Audit(ex.Message)}");
            if (ex is InputValidationException v) Assert.NotEmpty(v.Errors);
        }
    }

    private static string Audit(string s) => Application.Audit.LogText.Neutralise(s, 200);
}
