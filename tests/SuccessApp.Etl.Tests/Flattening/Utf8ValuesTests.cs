using System.Text;
using SuccessApp.Etl.Flattening;

namespace SuccessApp.Etl.Tests.Flattening;

public sealed class Utf8ValuesTests
{
    [Theory]
    [InlineData("04b191f8-c86b-46fd-9932-23a592562349")]
    [InlineData("04B191F8-C86B-46FD-9932-23A592562349")]
    [InlineData("04b191F8-c86B-46fD-9932-23a592562349")]
    [InlineData("04b191f8c86b46fd993223a592562349")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff")]
    public void ValidUuids(string text)
    {
        Assert.True(Utf8Values.TryParseUuid(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(Guid.Parse(text), value);
    }

    [Fact]
    public void UuidTextIsReadInNetworkByteOrder()
    {
        Assert.True(Utf8Values.TryParseUuid("00112233-4455-6677-8899-aabbccddeeff"u8, out var value));

        Assert.Equal(
            [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF],
            value.ToByteArray(bigEndian: true));
    }

    [Theory]
    [InlineData("f79e74c6-1253-473a-90dc-cb3ff5dddc2f7")] // the API's own 37-character id
    [InlineData("f79e74c6-1253-473a-90dc-cb3ff5dddc2")]
    [InlineData("")]
    [InlineData("{04b191f8-c86b-46fd-9932-23a592562349}")]
    [InlineData(" 04b191f8-c86b-46fd-9932-23a592562349")]
    [InlineData("04b191f8-c86b-46fd-9932-23a592562349 ")]
    [InlineData("04b191f8-c86b-46fd-9932-23a59256234g")]
    [InlineData("04b191f8_c86b_46fd_9932_23a592562349")]
    [InlineData("04b191f-8c86b-46fd-9932-23a592562349")]
    [InlineData("04b191f8-c86b-46fd-993223a5-92562349")]
    [InlineData("04b191f8c86b46fd993223a59256234")]
    [InlineData("04b191f8c86b46fd993223a5925623491")]
    [InlineData("04b191f8-c86b46fd993223a592562349")]
    [InlineData("+4b191f8-c86b-46fd-9932-23a592562349")]
    [InlineData("04b191f8-c86b-46fd-9932-23a59256234:")]
    public void InvalidUuids(string text)
    {
        Assert.False(Utf8Values.TryParseUuid(Encoding.UTF8.GetBytes(text), out _));
    }

    public static TheoryData<string, DateTime> ValidTimestamps() => new()
    {
        { "2023-04-23 21:00:18", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18Z", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23t21:00:18z", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23 21:00:18Z", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18.5Z", new DateTime(2023, 4, 23, 21, 0, 18, 500, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18.123Z", new DateTime(2023, 4, 23, 21, 0, 18, 123, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18.1234567Z", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc).AddTicks(1234567) },
        // Digits 8 and 9 are below a tick: truncated, not rounded.
        { "2023-04-23T21:00:18.123456789Z", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc).AddTicks(1234567) },
        { "2023-04-23T21:00:18.999999999", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc).AddTicks(9999999) },
        { "2023-04-23T21:00:18+02:00", new DateTime(2023, 4, 23, 19, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18-0530", new DateTime(2023, 4, 24, 2, 30, 18, DateTimeKind.Utc) },
        { "2023-04-23 21:00:18.25+0100", new DateTime(2023, 4, 23, 20, 0, 18, 250, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18+00:00", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2023-04-23T21:00:18-00:00", new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc) },
        { "2024-02-29T23:59:59+15:59", new DateTime(2024, 2, 29, 8, 0, 59, DateTimeKind.Utc) },
        { "2024-03-01T00:00:00-1559", new DateTime(2024, 3, 1, 15, 59, 0, DateTimeKind.Utc) },
        { "2023-12-31T23:30:00-01:00", new DateTime(2024, 1, 1, 0, 30, 0, DateTimeKind.Utc) },
        { "0001-01-01T00:00:00-01:00", new DateTime(1, 1, 1, 1, 0, 0, DateTimeKind.Utc) },
        { "0001-01-01 00:00:00", DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc) },
        { "9999-12-31T23:59:59.9999999Z", DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc) },
        { "2000-01-01T00:00:00.000001Z", new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(10) },
    };

    [Theory]
    [MemberData(nameof(ValidTimestamps))]
    public void ValidTimestampsAreReadAsUtc(string text, DateTime expected)
    {
        Assert.True(Utf8Values.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(expected, value);
        Assert.Equal(expected.Ticks, value.Ticks);
        Assert.Equal(DateTimeKind.Utc, value.Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2023-04-23")]
    [InlineData("2023-04-23 21:00")]
    [InlineData("2023-04-23 21:00:1")]
    [InlineData(" 2023-04-23 21:00:18")]
    [InlineData("2023-04-23 21:00:18 ")]
    [InlineData("2023-04-23  21:00:18")]
    [InlineData("2023-04-23X21:00:18")]
    [InlineData("2023-04-23_21:00:18")]
    [InlineData("2023/04/23 21:00:18")]
    [InlineData("2023-4-23 21:00:18")]
    [InlineData("23-04-23 21:00:18")]
    [InlineData("2023-02-30 00:00:00")] // no such day
    [InlineData("2023-02-29 00:00:00")] // not a leap year
    [InlineData("1900-02-29 00:00:00")]
    [InlineData("2023-13-01 00:00:00")]
    [InlineData("2023-00-01 00:00:00")]
    [InlineData("2023-01-00 00:00:00")]
    [InlineData("2023-04-31 00:00:00")]
    [InlineData("0000-01-01 00:00:00")] // year 0 is outside 0001-9999
    [InlineData("2023-04-23 24:00:00")] // hour 24 is refused
    [InlineData("2023-04-23 23:60:00")]
    [InlineData("2023-04-23 23:59:60")] // leap seconds are refused
    [InlineData("2023-04-23 2a:00:00")]
    [InlineData("2023-04-23 21:00:18.")]
    [InlineData("2023-04-23 21:00:18.1234567890")] // more than 9 fraction digits
    [InlineData("2023-04-23 21:00:18,5")]
    [InlineData("2023-04-23 21:00:18ZZ")]
    [InlineData("2023-04-23 21:00:18Z ")]
    [InlineData("2023-04-23 21:00:18+02")]
    [InlineData("2023-04-23 21:00:18+2:00")]
    [InlineData("2023-04-23 21:00:18+02:0")]
    [InlineData("2023-04-23 21:00:18+02:000")]
    [InlineData("2023-04-23 21:00:18+0200 ")]
    [InlineData("2023-04-23 21:00:18+24:00")]
    [InlineData("2023-04-23 21:00:18+16:00")] // PostgreSQL's limit is below 16 hours
    [InlineData("2023-04-23 21:00:18-2359")]
    [InlineData("2023-04-23 21:00:18+02:60")]
    [InlineData("2023-04-23 21:00:18 +02:00")]
    [InlineData("2023-04-23 21:00:18UTC")]
    [InlineData("0001-01-01T00:00:00+01:00")] // before 0001 once converted to UTC
    [InlineData("9999-12-31T23:59:59-01:00")] // after 9999 once converted to UTC
    [InlineData("\uFF12023-04-23 21:00:18")]
    public void InvalidTimestamps(string text)
    {
        Assert.False(Utf8Values.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("2023-04-23", 2023, 4, 23)]
    [InlineData("2024-02-29", 2024, 2, 29)]
    [InlineData("2000-02-29", 2000, 2, 29)]
    [InlineData("0001-01-01", 1, 1, 1)]
    [InlineData("9999-12-31", 9999, 12, 31)]
    public void ValidDates(string text, int year, int month, int day)
    {
        Assert.True(Utf8Values.TryParseDate(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(new DateOnly(year, month, day), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2023-02-29")]
    [InlineData("1900-02-29")]
    [InlineData("2023-04-31")]
    [InlineData("2023-13-01")]
    [InlineData("2023-00-10")]
    [InlineData("2023-01-00")]
    [InlineData("0000-01-01")]
    [InlineData("2023-4-23")]
    [InlineData("2023-04-23 ")]
    [InlineData(" 2023-04-23")]
    [InlineData("2023/04/23")]
    [InlineData("2023-04-23T00:00:00")]
    [InlineData("20230423")]
    [InlineData("2023-04-2a")]
    public void InvalidDates(string text)
    {
        Assert.False(Utf8Values.TryParseDate(Encoding.UTF8.GetBytes(text), out _));
    }
}
