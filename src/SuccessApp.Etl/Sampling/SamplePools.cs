using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SuccessApp.Etl.Sampling;

/// <summary>
/// Shared reference entities (territories, owners, results, reasons) drawn from small fixed pools, as in the real
/// API where many deals point at the same territory or owner: the flattened side tables then really do repeat.
/// Pool ids derive from the seed; the incident's two territories keep their literal ids. All text is pre-encoded
/// once so the hot loop only copies bytes.
/// </summary>
internal sealed class SamplePools
{
    // The relaxed encoder writes non-ASCII and '&' as-is, like the API does; the default one would \u-escape them.
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public static readonly long SeedCreatedAt = Unix(2023, 4, 23, 20, 55, 41);
    public static readonly long SeedUpdatedAt = Unix(2023, 4, 23, 21, 0, 20);

    /// <summary>The incident's first territory: a valid id, and part of the normal pool (index 0).</summary>
    public static readonly Territory SeedLatam = new(
        "04b191f8-c86b-46fd-9932-23a592562349"u8.ToArray(), Text("LATAM"), Text("indigo-dark"),
        Unix(2023, 4, 23, 21, 0, 18), Unix(2023, 4, 23, 21, 0, 18));

    /// <summary>The incident's second territory, with its 37-character id: only ever written deliberately.</summary>
    public static readonly Territory SeedBrokenTerritory = new(
        Encoding.UTF8.GetBytes(SampleDataGenerator.InvalidTerritoryId), Text("LATAM-SOLA-BRAZIL SOUTH CROSS"),
        Text("indigo-light"), Unix(2023, 4, 23, 21, 0, 20), Unix(2023, 4, 23, 21, 0, 20));

    public static readonly byte[] SeedLatamAssociationId = "5e1e6be8-b9c5-4665-a25d-31baccb2f31d"u8.ToArray();
    public static readonly byte[] SeedBrokenAssociationId = "590b85a8-a136-4ae9-ac98-4d406d6614ab"u8.ToArray();

    private static readonly string[] TerritoryNames =
    [
        "EMEA", "EMEA-DACH", "EMEA-NORDICS", "EMEA-UK&I", "EMEA-SOUTH", "NA-EAST", "NA-WEST", "NA-CENTRAL",
        "NA-CANADA", "APAC", "APAC-ANZ", "APAC-JAPAN", "APAC-SEA", "LATAM-MEXICO", "LATAM-ANDEAN",
        "LATAM-SOLA-ARGENTINA", "LATAM-SOLA-BRAZIL NORTH", "MEA", "INDIA", "GREATER CHINA",
    ];

    private static readonly string[] Colors =
    [
        "indigo-dark", "indigo-light", "teal", "teal-dark", "amber", "amber-light", "rose", "slate-light",
        "emerald", "sky-dark",
    ];

    private static readonly (string First, string Last)[] People =
    [
        ("Ana", "Souza"), ("Bruno", "Lima"), ("Camila", "Ferreira"), ("Diego", "Martínez"), ("Elena", "García"),
        ("Felix", "Müller"), ("Greta", "Schmidt"), ("Hiro", "Tanaka"), ("Ingrid", "Larsen"), ("João", "Pereira"),
        ("Kate", "O'Brien"), ("Liam", "Walsh"), ("María", "López"), ("Noah", "Smith"), ("Olivia", "Brown"),
        ("Priya", "Patel"), ("Quentin", "Dubois"), ("Rafael", "Costa"), ("Sofia", "Rossi"), ("Tomás", "Silva"),
        ("Uma", "Nair"), ("Victor", "Hugo"), ("Wei", "Zhang"), ("Yara", "Haddad"), ("Zoë", "Evans"),
    ];

    private static readonly (string Name, string Domain)[] CompanyList =
    [
        ("Acme Corp", "acme.example.com"), ("Globex", "globex.example.com"), ("Initech", "initech.example.com"),
        ("Müller Logistik GmbH", "mueller-logistik.example.de"), ("São Paulo Fintech", "spfintech.example.com.br"),
        ("Café Núcleo", "cafenucleo.example.com.br"), ("Zürich Re Analytics", "zrh-analytics.example.ch"),
        ("Nordlys AS", "nordlys.example.no"), ("Umbrella Health", "umbrella.example.com"),
        ("Stark Industrial", "stark.example.com"), ("Wayne Logistics", "wayne.example.com"),
        ("Hooli", "hooli.example.com"), ("Pied Piper", "piedpiper.example.com"), ("Soylent Foods", "soylent.example.com"),
        ("Tyrell Systems", "tyrell.example.com"), ("Cyberdyne", "cyberdyne.example.com"),
        ("Andes Minería", "andes-mineria.example.cl"), ("Tokyo Kōgyō", "tokyo-kogyo.example.jp"),
        ("Łódź Metals", "lodz-metals.example.pl"), ("Bellweather & Sons", "bellweather.example.co.uk"),
        ("Río Verde Agro", "rioverde.example.com.ar"), ("Delta Foods", "deltafoods.example.com"),
        ("Oceanic Air", "oceanic.example.com"), ("Vandelay Imports", "vandelay.example.com"),
    ];

    private static readonly string[] ResultTitles =
    [
        "Closed Won", "Closed Won - Expansion", "Closed Lost - Price", "Closed Lost - Competitor",
        "Closed Lost - No Decision", "Closed Lost - Timing",
    ];

    private static readonly string[] ReasonTitles =
    [
        "Budget approved", "Strong champion", "Security review passed", "Integration fit", "Pricing",
        "Missing feature", "Competitor cheaper", "Timing", "Lost champion", "Procurement delay",
        "Great onboarding demo", "Reference customer",
    ];

    public static readonly JsonEncodedText[] TagTexts = Texts(
    [
        "enterprise", "smb", "mid-market", "renewal", "upsell", "new-logo", "partner", "inbound", "outbound",
        "q4-push", "strategic", "at-risk", "multi-year", "pilot",
    ]);

    public static readonly JsonEncodedText[] Stages = Texts(
        ["prospecting", "qualification", "discovery", "proposal", "negotiation", "closed"]);

    public static readonly JsonEncodedText[] Currencies = Texts(["USD", "EUR", "BRL", "GBP", "MXN", "JPY"]);

    public static readonly JsonEncodedText[] BridgeTypes = Texts(["account", "contact", "product", "quote"]);

    // Raw UTF-8, not pre-encoded: these are concatenated into deal names before the writer escapes them.
    public static readonly byte[][] Products = Raw(["Analytics", "Platform", "Success Suite", "API Add-on"]);

    public static readonly byte[][] DealKinds = Raw(["Renewal", "Expansion", "New Business", "Pilot"]);

    public static readonly JsonEncodedText[] LeadSources = Texts(["webinar", "referral", "outbound", "trade show"]);

    public static readonly JsonEncodedText[] Segments = Texts(["enterprise", "commercial", "public sector"]);

    public static readonly JsonEncodedText[] Integrations = Texts(["salesforce", "hubspot", "slack", "zendesk"]);

    public static readonly JsonEncodedText[] Priorities = Texts(["high", "medium", "low"]);

    public static readonly JsonEncodedText[] PhonePrefixes = Texts(["+55 11 9", "+1 415-555-", "+49 30 ", "+44 20 7"]);

    /// <summary>Shapes the API has been seen to send, none of which parses as a timestamp.</summary>
    public static readonly JsonEncodedText[] BadTimestamps = Texts(
        ["0000-00-00 00:00:00", "2023-02-30 25:61:00", "not-a-timestamp", "2023-04-23T21:00:18+99:99", "23/04/2023 21:00"]);

    public SamplePools(ulong seed)
    {
        var rng = SampleRng.For(seed, 0, Section.Pool);
        Territories = new Territory[TerritoryNames.Length + 1];
        Territories[0] = SeedLatam;
        for (var i = 0; i < TerritoryNames.Length; i++)
        {
            var created = Unix(2021, 1, 1, 0, 0, 0) + rng.NextLong(2L * 365 * 86400);
            Territories[i + 1] = new Territory(
                NewUuid(ref rng), Text(TerritoryNames[i]), Text(rng.Pick(Colors)), created, created + rng.NextLong(90L * 86400));
        }

        Owners = new Person[People.Length];
        for (var i = 0; i < People.Length; i++)
        {
            var (first, last) = People[i];
            Owners[i] = new Person(NewUuid(ref rng), Text($"{first} {last}"), Text($"{Ascii(first)}.{Ascii(last)}@successapp.example.com"));
        }

        Results = new Reference[ResultTitles.Length];
        for (var i = 0; i < ResultTitles.Length; i++)
        {
            var created = Unix(2021, 6, 1, 0, 0, 0) + rng.NextLong(365L * 86400);
            Results[i] = new Reference(NewUuid(ref rng), Text(ResultTitles[i]), created, created + rng.NextLong(30L * 86400));
        }

        Reasons = new Reference[ReasonTitles.Length];
        for (var i = 0; i < ReasonTitles.Length; i++)
        {
            var created = Unix(2021, 6, 1, 0, 0, 0) + rng.NextLong(365L * 86400);
            Reasons[i] = new Reference(NewUuid(ref rng), Text(ReasonTitles[i]), created, created + rng.NextLong(30L * 86400));
        }

        Companies = new Company[CompanyList.Length];
        for (var i = 0; i < CompanyList.Length; i++)
        {
            Companies[i] = new Company(Encoding.UTF8.GetBytes(CompanyList[i].Name), Text(CompanyList[i].Name),
                Text(CompanyList[i].Domain), Encoding.UTF8.GetBytes(CompanyList[i].Domain));
        }

        Contacts = new ContactName[People.Length];
        for (var i = 0; i < People.Length; i++)
        {
            var (first, last) = People[i];
            Contacts[i] = new ContactName(Text($"{first} {last}"), Encoding.UTF8.GetBytes($"{Ascii(first)}.{Ascii(last)}"));
        }
    }

    /// <summary>Index 0 is the seed's LATAM; the seed's broken territory is not in here.</summary>
    public Territory[] Territories { get; }

    public Person[] Owners { get; }

    /// <summary>Titles starting "Closed Won" are wins; the rest losses.</summary>
    public Reference[] Results { get; }

    public Reference[] Reasons { get; }

    public Company[] Companies { get; }

    public ContactName[] Contacts { get; }

    public const int WinningResults = 2;

    public static JsonEncodedText Text(string value) => JsonEncodedText.Encode(value, Encoder);

    private static JsonEncodedText[] Texts(string[] values) => Array.ConvertAll(values, Text);

    private static byte[][] Raw(string[] values) => Array.ConvertAll(values, Encoding.UTF8.GetBytes);

    private static byte[] NewUuid(ref SampleRng rng)
    {
        var bytes = new byte[SampleFormat.UuidLength];
        SampleFormat.Uuid(ref rng, bytes);
        return bytes;
    }

    private static long Unix(int y, int mo, int d, int h, int mi, int s) =>
        new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero).ToUnixTimeSeconds();

    /// <summary>Lower-case ASCII for e-mail local parts ("João" → "joao", "O'Brien" → "obrien").</summary>
    /// <remarks>A hand map, not Unicode decomposition: the repo runs with InvariantGlobalization.</remarks>
    private static string Ascii(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            var mapped = char.ToLowerInvariant(c) switch
            {
                'á' or 'à' or 'â' or 'ã' or 'ä' => 'a',
                'é' or 'è' or 'ê' or 'ë' => 'e',
                'í' or 'ì' or 'î' or 'ï' => 'i',
                'ó' or 'ò' or 'ô' or 'õ' or 'ö' or 'ō' or 'ø' => 'o',
                'ú' or 'ù' or 'û' or 'ü' => 'u',
                'ç' => 'c',
                'ñ' => 'n',
                'ł' => 'l',
                var other => other,
            };
            if (char.IsAsciiLetterOrDigit(mapped))
            {
                sb.Append(char.ToLowerInvariant(mapped));
            }
        }
        return sb.ToString();
    }
}

internal sealed record Territory(byte[] Id, JsonEncodedText Name, JsonEncodedText Color, long CreatedAt, long UpdatedAt);

internal sealed record Person(byte[] Id, JsonEncodedText Name, JsonEncodedText Email);

internal sealed record Reference(byte[] Id, JsonEncodedText Title, long CreatedAt, long UpdatedAt);

internal sealed record Company(byte[] NameUtf8, JsonEncodedText Name, JsonEncodedText Domain, byte[] DomainUtf8);

internal sealed record ContactName(JsonEncodedText FullName, byte[] EmailLocalUtf8);
