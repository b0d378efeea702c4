using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LockboxPortal.IdentityProvider;

/// <summary>
/// A self-signed TLS certificate for localhost, made per run: Microsoft.Identity.Web (MSAL) refuses an authority that
/// is not HTTPS, so the provider and the portal under test both serve HTTPS on loopback with it.
/// </summary>
public static class TestCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        // Round-trip through PKCS#12 so the private key is usable by Kestrel on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>
    /// A handler for the portal's outgoing calls in tests: trusts exactly <paramref name="certificate"/> (pinned, not any
    /// certificate), and refuses every host but loopback, so no test call reaches the internet (MSAL's instance
    /// discovery would otherwise ask login.microsoftonline.com about the local authority).
    /// </summary>
    public static HttpMessageHandler LoopbackOnlyHandler(X509Certificate2 certificate) => new LoopbackOnly(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, errors) =>
                errors == SslPolicyErrors.None || (presented is not null && presented.GetCertHashString() == certificate.GetCertHashString()),
        },
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    });

    private sealed class LoopbackOnly(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var host = request.RequestUri?.Host;
            if (host is "localhost" or "127.0.0.1" or "[::1]") return base.SendAsync(request, ct);
            throw new HttpRequestException($"Tests stay on loopback; refused a call to {host}.");
        }
    }
}
