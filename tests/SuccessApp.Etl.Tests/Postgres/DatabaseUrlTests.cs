using Npgsql;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Etl.Tests.Postgres;

public sealed class DatabaseUrlTests
{
    private static NpgsqlConnectionStringBuilder Parse(string url, bool allowInsecure = false) =>
        new(DatabaseUrl.ToConnectionString(url, allowInsecure));

    [Fact]
    public void HerokuUrlIsDecodedAndKeepsRequire()
    {
        var b = Parse("postgres://u5er%2Bx:p%40ss%2Fw%3Ard%25@ec2-1-2-3-4.compute-1.amazonaws.com:5433/d8ab%20c?sslmode=require");

        Assert.Equal("ec2-1-2-3-4.compute-1.amazonaws.com", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("u5er+x", b.Username);
        Assert.Equal("p@ss/w:rd%", b.Password);
        Assert.Equal("d8ab c", b.Database);
        Assert.Equal(SslMode.Require, b.SslMode);
    }

    [Theory]
    [InlineData("postgresql://u:p@db.example.com/app")]
    [InlineData("POSTGRES://u:p@db.example.com/app")]
    [InlineData("postgres://u:p@db.example.com:/app")]
    public void PortDefaultsTo5432AndRemoteHostsGetRequire(string url)
    {
        var b = Parse(url);

        Assert.Equal(5432, b.Port);
        Assert.Equal("app", b.Database);
        Assert.Equal(SslMode.Require, b.SslMode);
    }

    [Theory]
    [InlineData("postgres://u:p@127.0.0.1/app", "127.0.0.1")]
    [InlineData("postgres://u:p@127.8.9.10:6000/app", "127.8.9.10")]
    [InlineData("postgres://u:p@localhost/app", "localhost")]
    [InlineData("postgres://u:p@LOCALHOST/app", "LOCALHOST")]
    [InlineData("postgres://u:p@[::1]:5433/app", "::1")]
    [InlineData("postgres://u@%2Fvar%2Frun%2Fpostgresql/app", "/var/run/postgresql")]
    [InlineData("postgres://u@/app?host=/tmp", "/tmp")]
    public void LoopbackAndSocketHostsAreLeftAlone(string url, string host)
    {
        var b = Parse(url);

        Assert.Equal(host, b.Host);
        Assert.Equal(SslMode.Prefer, b.SslMode);
    }

    [Fact]
    public void LoopbackMayDisableTls()
    {
        Assert.Equal(SslMode.Disable, Parse("postgres://u@localhost:5432/app?sslmode=disable").SslMode);
    }

    [Theory]
    [InlineData("postgres://u:topsecretpw@db.example.com/app?sslmode=disable")]
    [InlineData("postgres://u:topsecretpw@10.1.2.3/app?sslmode=disable")]
    [InlineData("Host=db.example.com;Username=u;Password=topsecretpw;SSL Mode=Disable")]
    [InlineData("Host=127.0.0.1,db.example.com;Username=u;Password=topsecretpw;SslMode=Disable")]
    public void RemoteDisableIsRefusedWithTheWayOut(string url)
    {
        var e = Assert.Throws<ArgumentException>(() => DatabaseUrl.ToConnectionString(url));

        Assert.Contains("sslmode=disable", e.Message, StringComparison.Ordinal);
        Assert.Contains("SUCCESSAPP_DB_ALLOW_INSECURE=1", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecretpw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowInsecureKeepsWhatTheUrlSays()
    {
        Assert.Equal(SslMode.Disable, Parse("postgres://u:p@db.example.com/app?sslmode=disable", allowInsecure: true).SslMode);
        Assert.Equal(SslMode.Prefer, Parse("postgres://u:p@db.example.com/app", allowInsecure: true).SslMode);
    }

    [Theory]
    [InlineData("allow", SslMode.Require)]
    [InlineData("prefer", SslMode.Require)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void RemoteSslModesNeverFallBackToPlaintext(string sslmode, SslMode expected)
    {
        Assert.Equal(expected, Parse($"postgres://u:p@db.example.com/app?sslmode={sslmode}").SslMode);
    }

    [Fact]
    public void Ipv6RemoteHostWithPort()
    {
        var b = Parse("postgres://u:p@[2001:db8::1]:6543/app");

        Assert.Equal("2001:db8::1", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal(SslMode.Require, b.SslMode);
    }

    [Fact]
    public void LibpqQueryParametersAreMapped()
    {
        var b = Parse("postgres://u:p@localhost/app?application_name=successapp%20etl&connect_timeout=7&Pooling=false");

        Assert.Equal("successapp etl", b.ApplicationName);
        Assert.Equal(7, b.Timeout);
        Assert.False(b.Pooling);
    }

    [Fact]
    public void UrlWithoutUserOrDatabaseLeavesThemToNpgsqlDefaults()
    {
        var b = Parse("postgres://localhost");

        Assert.Null(b.Username);
        Assert.Null(b.Password);
        Assert.Null(b.Database);
        Assert.Equal(5432, b.Port);
    }

    [Fact]
    public void PlainConnectionStringPassesThrough()
    {
        var b = Parse("Host=127.0.0.1;Port=5433;Username=x;Password=y;Database=z");

        Assert.Equal("127.0.0.1", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("x", b.Username);
        Assert.Equal("y", b.Password);
        Assert.Equal("z", b.Database);
        Assert.Equal(SslMode.Prefer, b.SslMode);
    }

    [Theory]
    [InlineData("Host=db.example.com;Username=x;Password=y")]
    [InlineData("Host=db.example.com:5433,127.0.0.1;Username=x")]
    [InlineData("Host=127.0.0.1:5432,[2001:db8::1]:5432;Username=x;SSL Mode=Prefer")]
    public void RemoteConnectionStringsGetRequire(string connectionString)
    {
        Assert.Equal(SslMode.Require, Parse(connectionString).SslMode);
    }

    [Theory]
    [InlineData("Host=/var/run/postgresql;Username=x")]
    [InlineData("Host=localhost:5433,127.0.0.1;Username=x")]
    public void LocalConnectionStringsAreLeftAlone(string connectionString)
    {
        Assert.Equal(SslMode.Prefer, Parse(connectionString).SslMode);
    }

    [Theory]
    [InlineData("postgres://user:s3cr3tpw@db.example.com:5432/app", "s3cr3tpw")]
    [InlineData("postgres://user:s3cr3t%40pw@db.example.com/app", "s3cr3t")]
    [InlineData("postgres://user:se/cr3tpw@db.example.com/app", "cr3tpw")]
    [InlineData("postgres://user:se?cr3tpw@db.example.com/app", "cr3tpw")]
    [InlineData("postgres://user@db.example.com/app?password=s3cr3tpw&sslmode=require", "s3cr3tpw")]
    [InlineData("postgres://user@db.example.com/app?application_name=a@b&password=s3cr3tpw", "s3cr3tpw")]
    [InlineData("Host=db.example.com;Username=user;Password=s3cr3tpw", "s3cr3tpw")]
    [InlineData("Host=db.example.com;Username=user;Password='s3cr3t;pw'", "s3cr3t")]
    [InlineData("Host=db.example.com;Username=user;PWD=s3cr3tpw", "s3cr3tpw")]
    [InlineData("Host=db.example.com;Unknown Keyword=1;Password=s3cr3tpw", "s3cr3tpw")]
    [InlineData("Host=db.example.com;Password='s3cr3tpw", "s3cr3tpw")]
    public void RedactNeverShowsThePassword(string input, string secret)
    {
        var redacted = DatabaseUrl.Redact(input);

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(secret), redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void RedactKeepsTheRestReadable()
    {
        Assert.Equal(
            "postgres://user:***@db.example.com:5432/app?sslmode=require",
            DatabaseUrl.Redact("postgres://user:pw@db.example.com:5432/app?sslmode=require"));
        Assert.Equal("postgres://user@db.example.com/app", DatabaseUrl.Redact("postgres://user@db.example.com/app"));

        var redacted = new NpgsqlConnectionStringBuilder(DatabaseUrl.Redact("Host=h;Username=u;Password=pw;Database=d"));
        Assert.Equal("***", redacted.Password);
        Assert.Equal("h", redacted.Host);
        Assert.Equal("d", redacted.Database);
    }

    [Theory]
    [InlineData("postgres://user:s3cr3tpw/x@db.example.com/app")] // unencoded '/' pushes the password into host:port
    [InlineData("postgres://user:s3cr3tpw@db.example.com:99999/app")]
    [InlineData("postgres://user:s3cr3tpw@db.example.com:12ab/app")]
    [InlineData("postgres://user:s3:cr3tpw/x@db.example.com/app")]
    [InlineData("postgres://user:s3cr3tpw@/app")]
    [InlineData("postgres://user:s3cr3tpw@[::1/app")]
    [InlineData("postgres://user:s3cr3tpw@a.example.com,b.example.com/app")]
    [InlineData("postgres://user:s3cr3tpw@db.example.com/app?sslmode=s3cr3tpw")]
    [InlineData("postgres://user:s3cr3tpw@db.example.com/app?nonsense=1")]
    [InlineData("postgres://user:s3cr3tpw@db.example.com/app?connect_timeout=s3cr3tpw")]
    [InlineData("mysql://user:s3cr3tpw@db.example.com/app")]
    [InlineData("Host=db.example.com;Password=s3cr3tpw;Bogus=1")]
    [InlineData("Host=db.example.com;Password=s3cr3tpw;Port=s3cr3tpw")]
    [InlineData("Host=db.example.com;Password='s3cr3tpw")]
    [InlineData("user:s3cr3tpw@db.example.com/app")]
    public void MalformedInputErrorsNeverContainThePassword(string input)
    {
        var e = Assert.Throws<ArgumentException>(() => DatabaseUrl.ToConnectionString(input));

        Assert.DoesNotContain("s3cr3t", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("cr3tpw", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", e.InnerException?.Message ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyInputIsRejected(string input)
    {
        Assert.Throws<ArgumentException>(() => DatabaseUrl.ToConnectionString(input));
    }
}
