using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

public sealed class ExpiryTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(s => s["ServicePrincipals:MaxLifetimeYears"] = "4");

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Sp<T>(DemoPersona who, Func<ServicePrincipalService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<ServicePrincipalService>()));

    private static CreateServicePrincipalCommand With(CredentialLifetime lifetime, string name = "sp") =>
        SpTestData.Command(name) with { Lifetime = lifetime };

    [Fact]
    public async Task By_default_the_credential_ends_one_year_from_now_to_the_second()
    {
        _f.Time.Advance(TimeSpan.FromMilliseconds(1234.5));
        var secret = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        Assert.Equal(new DateTimeOffset(2027, 11, 28, 9, 0, 1, TimeSpan.Zero), secret.EndsAt);
    }

    [Fact]
    public async Task A_leap_day_plus_one_year_ends_on_the_28th_of_february_and_plus_four_on_the_29th()
    {
        _f.Time.SetUtcNow(new DateTimeOffset(2028, 2, 29, 12, 0, 0, TimeSpan.Zero));

        var one = await Sp(Carol, s => s.CreateAsync(With(new CredentialLifetime { Years = 1 }, "one")));
        var four = await Sp(Carol, s => s.CreateAsync(With(new CredentialLifetime { Years = 4 }, "four")));

        Assert.Equal(new DateTimeOffset(2029, 2, 28, 12, 0, 0, TimeSpan.Zero), one.EndsAt);
        Assert.Equal(new DateTimeOffset(2032, 2, 29, 12, 0, 0, TimeSpan.Zero), four.EndsAt);
    }

    [Fact]
    public async Task An_end_date_means_midnight_utc_at_its_start_and_overrides_years()
    {
        var secret = await Sp(Carol, s => s.CreateAsync(With(new CredentialLifetime
        {
            Kind = CredentialLifetimeKind.EndDate, Years = 3, EndDate = new DateOnly(2027, 6, 30),
        })));
        Assert.Equal(new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero), secret.EndsAt);
    }

    [Fact]
    public async Task End_dates_must_lie_after_today_and_within_the_configured_maximum()
    {
        async Task<string[]> Refused(CredentialLifetime l) =>
            (await Assert.ThrowsAsync<InputValidationException>(() => Sp(Carol, s => s.CreateAsync(With(l))))).Errors.SelectMany(e => e.Value).ToArray();

        Assert.Equal(["Choose an end date after today."], await Refused(new() { Kind = CredentialLifetimeKind.EndDate, EndDate = new DateOnly(2026, 11, 28) }));
        Assert.Equal(["Choose the date the credential ends."], await Refused(new() { Kind = CredentialLifetimeKind.EndDate, EndDate = null }));
        Assert.Equal(["The end date can be at most 4 years from today."], await Refused(new() { Kind = CredentialLifetimeKind.EndDate, EndDate = new DateOnly(2030, 11, 29) }));
        Assert.Equal(["Choose a lifetime of 1 to 4 years."], await Refused(new() { Years = 5 }));
        Assert.Equal(["Choose a lifetime of 1 to 4 years."], await Refused(new() { Years = 0 }));

        var tomorrow = await Sp(Carol, s => s.CreateAsync(With(new() { Kind = CredentialLifetimeKind.EndDate, EndDate = new DateOnly(2026, 11, 29) }, "tomorrow")));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), tomorrow.EndsAt);
        var longest = await Sp(Carol, s => s.CreateAsync(With(new() { Kind = CredentialLifetimeKind.EndDate, EndDate = new DateOnly(2030, 11, 28) }, "longest")));
        Assert.Equal(new DateTimeOffset(2030, 11, 28, 0, 0, 0, TimeSpan.Zero), longest.EndsAt);
    }

    [Fact]
    public async Task The_list_warns_from_thirty_days_out_and_counts_whole_days()
    {
        await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        async Task<ServicePrincipalDto> Listed() => Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        var end = PortalFixture.Start.AddYears(1);

        _f.Time.SetUtcNow(end.AddDays(-31));
        Assert.Equal((31, false, false), ((await Listed()).ExpiresInDays!.Value, (await Listed()).IsExpiring, (await Listed()).IsExpired));

        _f.Time.SetUtcNow(end.AddDays(-30).AddHours(-6));
        var justInside = await Listed();
        Assert.Equal((30, true), (justInside.ExpiresInDays!.Value, justInside.IsExpiring));

        _f.Time.SetUtcNow(end.AddHours(-1));
        Assert.Equal((0, true, false), ((await Listed()).ExpiresInDays!.Value, (await Listed()).IsExpiring, (await Listed()).IsExpired));

        _f.Time.SetUtcNow(end);
        var expired = await Listed();
        Assert.True(expired.IsExpired);
        Assert.False(expired.IsExpiring);
    }

    [Fact]
    public void Days_left_round_down()
    {
        var now = PortalFixture.Start;
        Assert.Equal(30, ServicePrincipalService.ExpiresInDays(now.AddDays(30.9), now));
        Assert.Equal(0, ServicePrincipalService.ExpiresInDays(now.AddHours(23), now));
        Assert.Equal(-1, ServicePrincipalService.ExpiresInDays(now.AddHours(-1), now));
    }
}
