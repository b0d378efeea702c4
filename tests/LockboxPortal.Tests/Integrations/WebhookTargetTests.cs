using System.Net;
using System.Text;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Integrations;

namespace LockboxPortal.Tests.Integrations;

public sealed class WebhookTargetTests
{
    private static readonly WebhookTargets Production = new(allowLoopback: false);
    private static readonly WebhookTargets Development = new(allowLoopback: true);

    [Theory]
    [InlineData("http://hooks.example.com/lockbox", "https://")]
    [InlineData("hooks.example.com/lockbox", "absolute URL")]
    [InlineData("/lockbox", "absolute URL")]
    [InlineData("ftp://hooks.example.com/", "https://")]
    [InlineData("file:///etc/passwd", "absolute URL")]
    [InlineData("https://user:pass@hooks.example.com/", "credentials")]
    [InlineData("https://127.0.0.1/hook", "loopback")]
    [InlineData("https://[::1]/hook", "loopback")]
    [InlineData("https://10.1.2.3/hook", "private")]
    [InlineData("https://172.20.0.1/hook", "private")]
    [InlineData("https://192.168.1.1/hook", "private")]
    [InlineData("https://169.254.169.254/metadata", "link-local")]
    [InlineData("https://[fe80::1]/hook", "link-local")]
    [InlineData("https://[fd00::1]/hook", "unique local")]
    [InlineData("https://[::ffff:10.0.0.1]/hook", "private")]
    [InlineData("https://0.0.0.0/hook", "unspecified")]
    [InlineData("", "Enter")]
    public void Outside_development_a_bad_url_is_refused_with_what_to_fix(string url, string message)
    {
        var ex = Assert.Throws<InputValidationException>(() => Production.Parse(url));
        Assert.Equal("url", Assert.Single(ex.Errors).Key);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void A_public_https_url_is_accepted()
    {
        Assert.Equal("hooks.example.com", Production.Parse(" https://hooks.example.com/lockbox?x=1 ").Host);
        Assert.Equal("8.8.8.8", Production.Parse("https://8.8.8.8/hook").Host);
    }

    [Fact]
    public void In_development_http_and_loopback_are_accepted_but_private_ranges_are_not()
    {
        Assert.Equal("127.0.0.1", Development.Parse("http://127.0.0.1:5099/hook").Host);
        Assert.Throws<InputValidationException>(() => Development.Parse("http://10.0.0.5/hook"));
        Assert.Throws<InputValidationException>(() => Development.Parse("http://169.254.169.254/"));
    }

    [Fact]
    public async Task A_name_that_resolves_to_an_internal_address_is_refused_even_among_public_ones()
    {
        var targets = new WebhookTargets(false, (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.7") }));
        var uri = targets.Parse("https://rebind.example.com/hook");
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => targets.ResolveAsync(uri, CancellationToken.None));
        Assert.Contains("10.0.0.7", ex.Message);
        Assert.Contains("private", ex.Message);
    }

    [Fact]
    public async Task A_name_that_resolves_only_to_public_addresses_is_allowed()
    {
        var targets = new WebhookTargets(false, (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.216.34") }));
        var addresses = await targets.ResolveAsync(targets.Parse("https://hooks.example.com/"), CancellationToken.None);
        Assert.Equal(IPAddress.Parse("93.184.216.34"), Assert.Single(addresses));
    }

    [Fact]
    public async Task Localhost_by_name_is_refused_outside_development()
    {
        var uri = Production.Parse("https://localhost/hook");
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Production.ResolveAsync(uri, CancellationToken.None));
        Assert.Contains("loopback", ex.Message);
    }
}

public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void A_signature_verifies_with_the_secret_and_nothing_else()
    {
        var secret = WebhookSignature.NewSecret();
        var body = Encoding.UTF8.GetBytes("""{"specversion":"1.0"}""");
        var header = WebhookSignature.Sign(secret, Now.ToUnixTimeSeconds(), body);

        Assert.Matches("^t=1800000000,v1=[0-9a-f]{64}$", header);
        Assert.True(WebhookSignature.Verify(secret, header, body, Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(WebhookSignature.NewSecret(), header, body, Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, header, Encoding.UTF8.GetBytes("""{"specversion":"1.1"}"""), Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void An_old_or_altered_timestamp_does_not_verify()
    {
        var secret = WebhookSignature.NewSecret();
        var body = "{}"u8.ToArray();
        var header = WebhookSignature.Sign(secret, Now.ToUnixTimeSeconds(), body);
        Assert.False(WebhookSignature.Verify(secret, header, body, Now.AddMinutes(10), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(secret, header.Replace("t=1800000000", "t=1800000001"), body, Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Secrets_are_random_and_prefixed()
    {
        var a = WebhookSignature.NewSecret();
        Assert.StartsWith(WebhookSignature.SecretPrefix, a);
        Assert.NotEqual(a, WebhookSignature.NewSecret());
        Assert.Equal(WebhookSignature.SecretPrefix.Length + 64, a.Length);
    }
}
