using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.ServicePrincipals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;
using static LockboxPortal.Tests.ServicePrincipals.AzureFake;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>
/// Transient failures of Graph and Resource Manager: calls that are safe to repeat (GET, PUT, DELETE) are retried with
/// backoff and Retry-After; a POST never is, because a repeated POST could make a second application or secret.
/// Delays pass on the fake clock, which each test moves.
/// </summary>
public sealed class AzureHttpResilienceTests
{
    private const string ApplicationsPath = "/v1.0/applications";
    private const string ServicePrincipalsPath = "/v1.0/servicePrincipals";
    private const string AddPasswordPath = $"/v1.0/applications/{AppObjectId}/addPassword";
    private const string ApplicationPath = $"/v1.0/applications/{AppObjectId}";

    private static async Task<AzureFake> StartedAsync(Action<IDictionary<string, string?>>? configure = null)
    {
        var azure = new AzureFake(configure);
        await azure.Portal.InitializeAsync();
        azure.StubHappyPath();
        return azure;
    }

    private static Task<ServicePrincipalSecret> CreateAsync(AzureFake azure) =>
        azure.Portal.As(Carol, sp => sp.GetRequiredService<ServicePrincipalService>().CreateAsync(SpTestData.Command()));

    private static Task<int> RecordedAsync(AzureFake azure) => azure.Portal.Db(db => db.ServicePrincipals.CountAsync());

    private static IRequestBuilder At(string method, string path) => Request.Create().WithPath(path).UsingMethod(method);

    private static WireMock.ResponseBuilders.IResponseBuilder Unavailable(int? retryAfterSeconds = null)
    {
        var response = Json(503, Error("ServiceUnavailable", "The service is temporarily unavailable."));
        return retryAfterSeconds is { } s ? response.WithHeader("Retry-After", s.ToString(System.Globalization.CultureInfo.InvariantCulture)) : response;
    }

    private static WireMock.ResponseBuilders.IResponseBuilder Throttled(int retryAfterSeconds) =>
        Json(429, Error("TooManyRequests", "Too many requests.")).WithHeader("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_503_or_500_on_each_idempotent_call_is_retried_and_the_creation_succeeds()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("PUT", ResourceGroupPath), Unavailable());
        azure.FailFirst(At("GET", ApplicationsPath), Unavailable());
        azure.FailFirst(RoleAssignmentPut(), Json(500, Error("InternalServerError", "Try again.")));

        var secret = await azure.WhileAdvancingTheClock(CreateAsync(azure));

        Assert.Equal(Secret, secret.Password);
        Assert.Equal(2, azure.Count("PUT", ResourceGroupPath));
        Assert.Equal(2, azure.Count("GET", ApplicationsPath));
        Assert.Equal(2, azure.Calls().Count(c => c.RequestMessage.Method == "PUT" && c.RequestMessage.Path.Contains("roleAssignments", StringComparison.Ordinal)));
        Assert.Equal((1, 1, 1), (azure.Count("POST", ApplicationsPath), azure.Count("POST", ServicePrincipalsPath), azure.Count("POST", AddPasswordPath)));
        Assert.DoesNotContain(azure.Calls(), c => c.RequestMessage.Method == "DELETE");
        Assert.Equal(1, await RecordedAsync(azure));
    }

    [Fact]
    public async Task A_Retry_After_on_a_503_is_waited_out_before_the_put_is_repeated()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("PUT", ResourceGroupPath), Unavailable(retryAfterSeconds: 15));

        var creation = CreateAsync(azure);
        var waited = await SecondsUntilRepeatedAsync(azure, "PUT", ResourceGroupPath);
        var secret = await azure.WhileAdvancingTheClock(creation);

        // The configured backoff starts at 1 s; only the header makes it 15.
        Assert.InRange(waited, 15, 24);
        Assert.Equal(Secret, secret.Password);
        Assert.Equal(1, await RecordedAsync(azure));
    }

    [Fact]
    public async Task A_429_on_a_lookup_is_retried_after_its_Retry_After()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("GET", ApplicationsPath), Throttled(retryAfterSeconds: 5));

        var lookup = azure.Get<GraphClient>().ApplicationExistsAsync(ContosoTenant, "test-aro-SP", CancellationToken.None);
        var waited = await SecondsUntilRepeatedAsync(azure, "GET", ApplicationsPath);

        Assert.False(await azure.WhileAdvancingTheClock(lookup));
        Assert.InRange(waited, 5, 14);
        Assert.Equal(2, azure.Count("GET", ApplicationsPath));
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_portal_waits_ends_the_call_and_says_when_to_try_again()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("GET", ApplicationsPath), Throttled(retryAfterSeconds: 120));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => azure.WhileAdvancingTheClock(CreateAsync(azure)));

        Assert.Equal(TimeSpan.FromSeconds(120), ex.RetryAfter);
        Assert.Contains("Microsoft Graph is throttling the portal (429 Too Many Requests) while looking up applications by name. Try again in 120 seconds.", ex.Message);
        Assert.Equal(1, azure.Count("GET", ApplicationsPath));
        Assert.DoesNotContain(azure.Calls(), c => c.RequestMessage.Method == "POST");
        Assert.Equal(0, await RecordedAsync(azure));
    }

    [Fact]
    public async Task A_503_on_creating_the_application_is_not_retried_and_the_wizard_is_told_to_try_again()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("POST", ApplicationsPath), Unavailable(retryAfterSeconds: 1));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => azure.WhileAdvancingTheClock(CreateAsync(azure)));

        Assert.Equal(1, azure.Count("POST", ApplicationsPath));
        Assert.Contains("Microsoft Graph answered 503 Service Unavailable while creating the application (ServiceUnavailable", ex.Message);
        Assert.Contains("Try again", ex.Message);
        // Graph made nothing, so there is nothing to take away and nothing recorded.
        Assert.Equal(0, azure.Count("POST", ServicePrincipalsPath));
        Assert.DoesNotContain(azure.Calls(), c => c.RequestMessage.Method == "DELETE");
        Assert.Equal(0, await RecordedAsync(azure));
    }

    [Fact]
    public async Task A_503_on_creating_the_service_principal_is_not_retried_and_the_new_application_is_removed()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("POST", ServicePrincipalsPath), Unavailable());

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => azure.WhileAdvancingTheClock(CreateAsync(azure)));

        Assert.Contains("while creating the service principal", ex.Message);
        Assert.Equal(1, azure.Count("POST", ServicePrincipalsPath));
        Assert.Equal(1, azure.Count("POST", ApplicationsPath));
        Assert.Equal(1, azure.Count("DELETE", ApplicationPath));
        Assert.Equal(0, await RecordedAsync(azure));
    }

    [Fact]
    public async Task A_503_on_adding_the_password_is_not_retried_and_the_undo_retries_its_delete_until_the_application_is_gone()
    {
        await using var azure = await StartedAsync();
        azure.FailFirst(At("POST", AddPasswordPath), Unavailable());
        azure.FailFirst(At("DELETE", ApplicationPath), Unavailable());

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() => azure.WhileAdvancingTheClock(CreateAsync(azure)));

        Assert.Contains("while adding a password", ex.Message);
        Assert.Equal(1, azure.Count("POST", AddPasswordPath));
        Assert.Equal(2, azure.Count("DELETE", ApplicationPath));
        Assert.Equal(0, await RecordedAsync(azure));
        Assert.DoesNotContain(Secret, ex.Message + azure.Portal.Logs.All);
    }

    [Fact]
    public async Task A_lookup_whose_attempt_times_out_is_repeated()
    {
        await using var azure = await StartedAsync(ShortTimeouts);
        var arrived = azure.SlowFirst(At("GET", ApplicationsPath), 200, """{"value":[]}""", TimeSpan.FromSeconds(3));

        var exists = await UntilRepeated(azure, arrived, azure.Get<GraphClient>().ApplicationExistsAsync(ContosoTenant, "test-aro-SP", CancellationToken.None));

        Assert.False(exists);
        Assert.True(arrived() >= 2, "the timed-out lookup was repeated");
    }

    [Fact]
    public async Task Creating_an_application_whose_attempt_times_out_is_not_repeated_and_says_it_may_exist()
    {
        await using var azure = await StartedAsync(ShortTimeouts);
        var arrived = azure.SlowFirst(At("POST", ApplicationsPath), 201, $$"""{"id":"{{AppObjectId}}","appId":"{{AppId}}"}""", TimeSpan.FromSeconds(3));

        var ex = await Assert.ThrowsAsync<ProvisioningException>(() =>
            UntilRepeated(azure, arrived, azure.Get<GraphClient>().CreateApplicationAsync(ContosoTenant, "test-aro-SP", CancellationToken.None)));

        Assert.Contains("Microsoft Graph did not answer within 10 seconds", ex.Message);
        Assert.Contains("check the Entra admin center before trying again", ex.Message);
        Assert.Equal(1, arrived());
    }

    [Theory]
    [InlineData("TotalTimeout", "00:00:05", "ServicePrincipals:Http:TotalTimeout")]
    [InlineData("MaxRetryAttempts", "0", "ServicePrincipals:Http:MaxRetryAttempts must be between 1 and 10")]
    [InlineData("RetryBaseDelay", "00:10:00", "ServicePrincipals:Http:RetryBaseDelay")]
    public async Task Http_settings_that_do_not_hold_together_are_refused_naming_the_key(string key, string value, string expected)
    {
        await using var azure = new AzureFake(s =>
        {
            s["ServicePrincipals:Http:AttemptTimeout"] = "00:00:30";
            s["ServicePrincipals:Http:TotalTimeout"] = "00:01:00";
            s[$"ServicePrincipals:Http:{key}"] = value;
        });

        var ex = Assert.Throws<OptionsValidationException>(() => azure.Get<IOptions<AzureDirectoryOptions>>().Value);

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void The_defaults_hold_together_and_retry_only_methods_that_cannot_make_a_second_object()
    {
        Assert.Null(new AzureHttpOptions().Problem());
        Assert.All(new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete }, m => Assert.True(AzureHttpResilience.MayRetry(m), m.Method));
        Assert.All(new[] { HttpMethod.Post, HttpMethod.Patch }, m => Assert.False(AzureHttpResilience.MayRetry(m), m.Method));
    }

    private static void ShortTimeouts(IDictionary<string, string?> s)
    {
        s["ServicePrincipals:Http:AttemptTimeout"] = "00:00:10";
        s["ServicePrincipals:Http:TotalTimeout"] = "00:01:00";
    }

    /// <summary>
    /// Moves the clock a second at a time from the moment the first request arrived and returns how many seconds
    /// passed before the same request came again.
    /// </summary>
    private static async Task<int> SecondsUntilRepeatedAsync(AzureFake azure, string method, string path)
    {
        var first = DateTime.UtcNow.AddSeconds(15);
        while (azure.Count(method, path) == 0)
        {
            Assert.True(DateTime.UtcNow < first, $"{method} {path} never arrived");
            await Task.Delay(5);
        }
        for (var seconds = 1; seconds <= 60; seconds++)
        {
            azure.Portal.Time.Advance(TimeSpan.FromSeconds(1));
            var settle = DateTime.UtcNow.AddMilliseconds(100);
            while (DateTime.UtcNow < settle)
            {
                if (azure.Count(method, path) >= 2) return seconds;
                await Task.Delay(5);
            }
        }
        throw new Xunit.Sdk.XunitException($"{method} {path} was not repeated within 60 seconds of the clock");
    }

    /// <summary>
    /// Moves the clock on until a second request has arrived, then lets <paramref name="work"/> finish on a still clock:
    /// the first attempt (answered only after 3 s of real time) outlasts its 10 s timeout, a repeated one cannot time out.
    /// </summary>
    private static async Task<T> UntilRepeated<T>(AzureFake azure, Func<int> arrived, Task<T> work)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!work.IsCompleted && arrived() < 2 && DateTime.UtcNow < deadline)
        {
            azure.Portal.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(work, Task.Delay(20));
        }
        return await work;
    }
}
