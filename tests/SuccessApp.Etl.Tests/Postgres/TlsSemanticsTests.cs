using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Etl.Tests.Postgres;

/// <summary>
/// Pins the Npgsql behaviour DatabaseUrl relies on: SslMode=Require accepts a self-signed certificate (as Heroku's
/// effectively are) without Trust Server Certificate, while VerifyFull rejects it.
/// </summary>
public sealed class TlsSemanticsTests
{
    [Fact]
    public async Task RequireEncryptsWithoutVerifyingButVerifyFullVerifies()
    {
        var certDir = Path.Combine(Environment.UserName == "root" ? "/tmp" : Path.GetTempPath(), "successapp-tls-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(certDir);
        try
        {
            var (certFile, keyFile) = WriteSelfSignedCertificate(certDir);
            await using var server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions
            {
                Ephemeral = true,
                Settings = new Dictionary<string, string>
                {
                    ["ssl"] = "on",
                    ["ssl_cert_file"] = certFile,
                    ["ssl_key_file"] = keyFile,
                },
            });

            var require = DatabaseUrl.ToConnectionString($"postgres://postgres@127.0.0.1:{server.Port}/postgres?sslmode=require");
            await using (var connection = new NpgsqlConnection(require))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
                Assert.True((bool)(await command.ExecuteScalarAsync())!);
            }

            var verifyFull = DatabaseUrl.ToConnectionString($"postgres://postgres@127.0.0.1:{server.Port}/postgres?sslmode=verify-full&Pooling=false");
            await using var rejected = new NpgsqlConnection(verifyFull);
            await Assert.ThrowsAnyAsync<Exception>(() => rejected.OpenAsync());
        }
        finally
        {
            Directory.Delete(certDir, recursive: true);
        }
    }

    private static (string CertFile, string KeyFile) WriteSelfSignedCertificate(string dir)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=successapp-test-not-trusted", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(dir, "server.crt");
        var keyFile = Path.Combine(dir, "server.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            // The server refuses a key file readable by others, and must own it when it runs as the postgres user.
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (Environment.UserName == "root")
            {
                using var chown = Process.Start("chown", ["postgres:", certFile, keyFile]);
                chown.WaitForExit();
                Assert.Equal(0, chown.ExitCode);
            }
        }

        return (certFile, keyFile);
    }
}
