using System.Text.Json;

namespace SuccessApp.Etl.Sampling;

/// <summary>What a written line turned out to contain, for <see cref="SampleStats"/>.</summary>
[Flags]
internal enum LineFacts
{
    None = 0,
    NullField = 1 << 0,
    MissingArray = 1 << 1,
    EmptyArray = 1 << 2,
    MissingTags = 1 << 3,
    NullTags = 1 << 4,
    EmptyTerritories = 1 << 5,
    UnknownField = 1 << 6,
    InvalidUuid = 1 << 7,
    UnparsableTimestamp = 1 << 8,
    /// <summary>A newer version replaced non-empty territories by <c>[]</c>.</summary>
    EmptiedTerritories = 1 << 9,
}

/// <summary>
/// Writes one record as a pure function of (seed, key, version, options): that is the whole trick that lets the
/// generator repeat a line byte-for-byte, or write another version of it, while remembering only (key, version).
/// Each part of a record draws from its own random stream, so a version's changes or an anomaly never shift the
/// values of the other parts. Version 0 is a key's first line; negative versions are older, positive newer.
/// </summary>
internal sealed class SampleRecordWriter
{
    // Rates per decision point, used only with anomalies on; high enough that ~300 lines show every kind.
    private const double RootNullP = 0.02;
    private const double NestedNullP = 0.005;
    private const double MissingArrayP = 0.03;
    private const double EmptyArrayP = 0.04;
    private const double NullTagsP = 0.03;
    private const double UnknownRootP = 0.04;
    private const double UnknownAssociationP = 0.04;
    private const double InvalidIdP = 0.04;
    private const double BadTimestampP = 0.03;
    private const double NewerEmptiesTerritoriesP = 0.4;

    private const long Day = 86400;
    private const long VersionStep = 3 * 3600;
    private static readonly long Epoch2022 = new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private static readonly byte[] SeedId = "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a"u8.ToArray();

    private static readonly JsonEncodedText[] ChangeFields = Texts(
        ["amount", "probability", "stage", "close_date", "owner", "tags", "is_won", "next_step"]);

    private static readonly JsonEncodedText[] NextSteps = Texts(["Send proposal", "Security review", "Legal redlines"]);

    private static readonly JsonEncodedText[] Regions = Texts(["emea", "latam", "apac"]);

    private static readonly string[] PhonePatterns = ["####-####", "####", "#######", "### ####"];

    private readonly SampleOptions _options;
    private readonly SamplePools _pools;
    private readonly ulong _seed;
    private readonly bool _seedIsKey0;
    private readonly byte[] _id = new byte[SampleFormat.UuidLength];

    // State of the record being written.
    private Utf8JsonWriter _w = null!;
    private SampleRng _a;
    private bool _anomalies;
    private LineFacts _facts;
    private int _timestampOrdinal;
    private int _badTimestampAt;
    private bool _unknownAssociation;

    public SampleRecordWriter(SampleOptions options, SamplePools pools)
    {
        _options = options;
        _pools = pools;
        _seed = (ulong)(uint)options.Seed;
        _seedIsKey0 = options.SeedRecordIncluded;
    }

    public LineFacts Write(Utf8JsonWriter writer, long key, int version)
    {
        _w = writer;
        _facts = LineFacts.None;
        _timestampOrdinal = 0;
        var isSeed = _seedIsKey0 && key == 0;
        // The seed key stays exactly as the incident shows it, in every version.
        _anomalies = _options.Anomalies && !isSeed;
        _a = SampleRng.For(_seed, key, Section.Anomaly, version);
        _badTimestampAt = _anomalies && _a.Chance(BadTimestampP) ? _a.Next(6) : -1;
        _unknownAssociation = _anomalies && _a.Chance(UnknownAssociationP);
        if (isSeed)
        {
            SeedId.CopyTo(_id, 0);
        }
        else
        {
            var idRng = SampleRng.For(_seed, key, Section.Id);
            SampleFormat.Uuid(ref idRng, _id);
        }

        if (_options.IsDeals)
        {
            WriteDeal(key, version, isSeed);
        }
        else
        {
            WriteAccount(key, version);
        }
        return _facts;
    }

    private void WriteDeal(long key, int version, bool isSeed)
    {
        var w = _w;
        KeyTimes(key, isSeed, out var created, out var baseUpdated);
        var updated = UpdatedAt(key, version, created, baseUpdated);
        var v = SampleRng.For(_seed, key, Section.Version, version);

        // Every base draw happens up front and unconditionally, so all versions share them.
        var s = SampleRng.For(_seed, key, Section.Scalars);
        var company = s.Pick(_pools.Companies);
        var product = s.Pick(SamplePools.Products);
        var kind = s.Pick(SamplePools.DealKinds);
        var cents = 1_000_00 + s.NextLong(250_000_00);
        var currency = s.Pick(SamplePools.Currencies);
        var probability = s.Next(0, 20) * 5;
        var status = s.Next(3);
        var closeDay = (created / Day) + 30 + s.Next(150);
        var owner = s.Pick(_pools.Owners);
        var wonResult = _pools.Results[s.Next(SamplePools.WinningResults)];
        var lostResult = _pools.Results[SamplePools.WinningResults + s.Next(_pools.Results.Length - SamplePools.WinningResults)];

        if (version != 0)
        {
            // Another version: the money, the odds and the outcome moved; older ones were still open.
            var other = 1_000_00 + v.NextLong(250_000_00);
            cents = other == cents ? other + 100 : other;
            probability = v.Next(0, 20) * 5;
            status = version < 0 ? 0 : v.Next(3);
        }

        w.WriteStartObject();
        w.WriteString(P.Id, _id);
        if (!RootNull(P.Name))
        {
            Span<byte> name = stackalloc byte[256];
            var len = Concat(name, company.NameUtf8, " - "u8, product, " "u8, kind);
            w.WriteString(P.Name, name[..len]);
        }
        if (!RootNull(P.Amount))
        {
            WriteMoney(P.Amount, cents);
        }
        if (!RootNull(P.Currency))
        {
            w.WriteString(P.Currency, currency);
        }
        if (!RootNull(P.Probability))
        {
            w.WriteNumber(P.Probability, probability);
        }
        MaybeUnknownRootField();
        if (!RootNull(P.IsWon))
        {
            w.WriteBoolean(P.IsWon, status == 1);
        }
        if (!RootNull(P.Status))
        {
            w.WriteString(P.Status, status switch { 0 => P.Open, 1 => P.Won, _ => P.Lost });
        }
        if (!RootNull(P.CloseDate))
        {
            WriteDate(P.CloseDate, closeDay);
        }
        WriteOwner(P.Owner, owner, root: true);

        var result = status switch { 0 => null, 1 => wonResult, _ => lostResult };
        if (result is null)
        {
            w.WriteNull(P.ResultId);
            w.WriteNull(P.Result);
        }
        else
        {
            if (!RootNull(P.ResultId))
            {
                w.WriteString(P.ResultId, result.Id);
            }
            if (!RootNull(P.Result))
            {
                w.WriteStartObject(P.Result);
                w.WriteString(P.Id, result.Id);
                if (!NestedNull(P.Title))
                {
                    w.WriteString(P.Title, result.Title);
                }
                w.WriteString(P.Type, status == 1 ? P.Won : P.Lost);
                Timestamp(P.CreatedAt, result.CreatedAt);
                Timestamp(P.UpdatedAt, result.UpdatedAt);
                w.WriteEndObject();
            }
        }

        WriteResultReasons(key);
        WriteTerritories(key, version, isSeed, _options.DealTerritories, ref v);
        WriteBridges(key, created, baseUpdated);
        WriteTags(key, version, ref v);
        WriteStageHistory(key, version, created, baseUpdated);
        WriteCustomFields(key);
        Timestamp(P.CreatedAt, created, last: true);
        WriteTimestampValue(P.UpdatedAt, updated);
        w.WriteEndObject();
    }

    private void WriteAccount(long key, int version)
    {
        var w = _w;
        KeyTimes(key, isSeed: false, out var created, out var baseUpdated);
        var updated = UpdatedAt(key, version, created, baseUpdated);
        var v = SampleRng.For(_seed, key, Section.Version, version);

        var s = SampleRng.For(_seed, key, Section.Scalars);
        var company = s.Pick(_pools.Companies);
        var employees = 5 + s.Next(20_000);
        var revenuePerHead = 20_000_00 + s.NextLong(300_000_00);
        var active = s.Next(10) != 0;
        var owner = s.Pick(_pools.Owners);

        if (version != 0)
        {
            // Another version: headcount and revenue moved (smaller in the past), and the account may have churned.
            var factor = 80 + v.Next(40);
            var changed = version < 0 ? employees * Math.Min(factor, 99) / 100 : employees * Math.Max(factor, 101) / 100;
            employees = changed == employees ? employees + (version < 0 ? -1 : 1) : changed;
            employees = Math.Max(employees, 1);
            revenuePerHead += v.NextLong(10_000_00) + 1;
            active = v.Next(4) != 0;
        }

        w.WriteStartObject();
        w.WriteString(P.Id, _id);
        if (!RootNull(P.Name))
        {
            w.WriteString(P.Name, company.Name);
        }
        if (!RootNull(P.Domain))
        {
            w.WriteString(P.Domain, company.Domain);
        }
        if (!RootNull(P.EmployeeCount))
        {
            w.WriteNumber(P.EmployeeCount, employees);
        }
        MaybeUnknownRootField();
        if (!RootNull(P.AnnualRevenue))
        {
            WriteMoney(P.AnnualRevenue, employees * revenuePerHead);
        }
        if (!RootNull(P.IsActive))
        {
            w.WriteBoolean(P.IsActive, active);
        }
        WriteOwner(P.Owner, owner, root: true);
        WriteTerritories(key, version, isSeed: false, _options.AccountTerritories, ref v);
        WriteContacts(key, version, company);
        Timestamp(P.CreatedAt, created, last: true);
        WriteTimestampValue(P.UpdatedAt, updated);
        w.WriteEndObject();
    }

    private void WriteResultReasons(long key)
    {
        var r = SampleRng.For(_seed, key, Section.Reasons);
        Span<int> picks = stackalloc int[_pools.Reasons.Length];
        var count = PickDistinct(ref r, picks, r.Next(_options.ResultReasons));
        var n = StartArray(P.ResultReasons, count);
        if (n < 0)
        {
            return;
        }
        for (var i = 0; i < n; i++)
        {
            var reason = _pools.Reasons[picks[i]];
            _w.WriteStartObject();
            _w.WriteString(P.Id, reason.Id);
            if (!NestedNull(P.Title))
            {
                _w.WriteString(P.Title, reason.Title);
            }
            Timestamp(P.CreatedAt, reason.CreatedAt);
            Timestamp(P.UpdatedAt, reason.UpdatedAt);
            _w.WriteEndObject();
        }
        _w.WriteEndArray();
    }

    private void WriteTerritories(long key, int version, bool isSeed, SizeRange range, ref SampleRng v)
    {
        var t = SampleRng.For(_seed, key, Section.Territories);
        Span<int> picks = stackalloc int[_pools.Territories.Length];
        var count = isSeed ? 2 : PickDistinct(ref t, picks, t.Next(range));

        if (version > 0 && count > 0 && v.Chance(NewerEmptiesTerritoriesP))
        {
            // The change the incident's loader must not miss: the API now says "no territories".
            _w.WriteStartArray(P.Territories);
            _w.WriteEndArray();
            _facts |= LineFacts.EmptyTerritories | LineFacts.EmptiedTerritories | LineFacts.EmptyArray;
            return;
        }

        // The seed's broken territory takes the last slot (or is the only one): ids the API really sends.
        var invalid = _anomalies && _a.Chance(InvalidIdP);
        var n = StartArray(P.Territories, count, atLeastOne: invalid);
        if (n < 0)
        {
            return;
        }
        if (n == 0)
        {
            _facts |= LineFacts.EmptyTerritories;
        }
        Span<byte> associationId = stackalloc byte[SampleFormat.UuidLength];
        for (var i = 0; i < n; i++)
        {
            Territory territory;
            if (isSeed)
            {
                territory = i == 0 ? SamplePools.SeedLatam : SamplePools.SeedBrokenTerritory;
                (i == 0 ? SamplePools.SeedLatamAssociationId : SamplePools.SeedBrokenAssociationId).CopyTo(associationId);
            }
            else if (invalid && i == n - 1)
            {
                territory = SamplePools.SeedBrokenTerritory;
                SampleFormat.Uuid(ref _a, associationId);
            }
            else
            {
                territory = _pools.Territories[picks[i]];
                // Per element, so the association id is the same in every version of the key.
                var e = SampleRng.For(_seed, key, Section.Territories, 0, i + 1);
                SampleFormat.Uuid(ref e, associationId);
            }
            WriteTerritory(territory, associationId);
        }
        _w.WriteEndArray();
    }

    private void WriteTerritory(Territory territory, ReadOnlySpan<byte> associationId)
    {
        var w = _w;
        w.WriteStartObject();
        w.WriteString(P.Id, territory.Id);
        if (!NestedNull(P.Name))
        {
            w.WriteString(P.Name, territory.Name);
        }
        if (!NestedNull(P.Color))
        {
            w.WriteString(P.Color, territory.Color);
        }
        Timestamp(P.CreatedAt, territory.CreatedAt);
        Timestamp(P.UpdatedAt, territory.UpdatedAt);
        if (!NestedNull(P.Association))
        {
            w.WriteStartObject(P.Association);
            w.WriteString(P.SourceId, _id);
            w.WriteString(P.TargetId, territory.Id);
            w.WriteString(P.Id, associationId);
            if (_unknownAssociation)
            {
                // A field the API added after the schema was written, one level down.
                _unknownAssociation = false;
                w.WriteString(P.Region, _a.Pick(Regions));
                _facts |= LineFacts.UnknownField;
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        if (ReferenceEquals(territory, SamplePools.SeedBrokenTerritory))
        {
            _facts |= LineFacts.InvalidUuid;
        }
    }

    private void WriteBridges(long key, long created, long baseUpdated)
    {
        var b = SampleRng.For(_seed, key, Section.Bridges);
        var n = StartArray(P.Bridges, b.Next(_options.Bridges));
        if (n < 0)
        {
            return;
        }
        Span<byte> uuid = stackalloc byte[SampleFormat.UuidLength];
        for (var i = 0; i < n; i++)
        {
            var e = SampleRng.For(_seed, key, Section.Bridges, 0, i + 1);
            _w.WriteStartObject();
            SampleFormat.Uuid(ref e, uuid);
            _w.WriteString(P.Id, uuid);
            var type = e.Pick(SamplePools.BridgeTypes);
            if (!NestedNull(P.Type))
            {
                _w.WriteString(P.Type, type);
            }
            SampleFormat.Uuid(ref e, uuid);
            _w.WriteString(P.TargetId, uuid);
            Timestamp(P.CreatedAt, created + e.NextLong(Math.Max(baseUpdated - created, 1)));
            _w.WriteEndObject();
        }
        _w.WriteEndArray();
    }

    private void WriteTags(long key, int version, ref SampleRng v)
    {
        // Half the other versions carry a different tag set.
        var tagVersion = version != 0 && v.Chance(0.5) ? version : 0;
        var tg = SampleRng.For(_seed, key, Section.Tags, tagVersion);
        Span<int> picks = stackalloc int[SamplePools.TagTexts.Length];
        var count = PickDistinct(ref tg, picks, tg.Next(_options.Tags));
        var n = StartArray(P.Tags, count, isTags: true);
        if (n < 0)
        {
            return;
        }
        for (var i = 0; i < n; i++)
        {
            _w.WriteStringValue(SamplePools.TagTexts[picks[i]]);
        }
        _w.WriteEndArray();
    }

    private void WriteStageHistory(long key, int version, long created, long baseUpdated)
    {
        var st = SampleRng.For(_seed, key, Section.Stages);
        var baseCount = st.Next(_options.StageHistory);
        var first = st.Next(SamplePools.Stages.Length);
        // An older version had not reached the latest stage yet.
        var count = version < 0 ? Math.Max(baseCount - 1, 0) : baseCount;
        // Stages fall between created_at and the first version's updated_at, one slot each.
        var slot = Math.Max((baseUpdated - created) / (baseCount + 1), 2);
        var n = StartArray(P.StageHistory, count);
        if (n < 0)
        {
            return;
        }
        for (var i = 0; i < n; i++)
        {
            var e = SampleRng.For(_seed, key, Section.Stages, 0, i + 1);
            var by = e.Pick(_pools.Owners);
            _w.WriteStartObject();
            if (!NestedNull(P.Stage))
            {
                _w.WriteString(P.Stage, SamplePools.Stages[(first + i) % SamplePools.Stages.Length]);
            }
            Timestamp(P.EnteredAt, StageEnteredAt(key, i, created, slot));
            if (i == n - 1)
            {
                _w.WriteNull(P.LeftAt);
            }
            else
            {
                Timestamp(P.LeftAt, StageEnteredAt(key, i + 1, created, slot));
            }
            WriteOwner(P.ChangedBy, by, root: false);
            var changes = StartArray(P.Changes, e.Next(_options.StageChanges));
            if (changes >= 0)
            {
                for (var c = 0; c < changes; c++)
                {
                    WriteChange(ref e);
                }
                _w.WriteEndArray();
            }
            _w.WriteEndObject();
        }
        _w.WriteEndArray();
    }

    private long StageEnteredAt(long key, int index, long created, long slot)
    {
        var jitter = SampleRng.For(_seed, key, Section.Stages, 0, 1000 + index);
        return created + (index * slot) + 1 + jitter.NextLong(slot / 2);
    }

    /// <summary>old_value/new_value are any JSON value: numbers, strings, booleans, null, objects and arrays.</summary>
    private void WriteChange(ref SampleRng e)
    {
        var w = _w;
        var field = e.Next(ChangeFields.Length);
        w.WriteStartObject();
        if (!NestedNull(P.Field))
        {
            w.WriteString(P.Field, ChangeFields[field]);
        }
        for (var side = 0; side < 2; side++)
        {
            var name = side == 0 ? P.OldValue : P.NewValue;
            switch (field)
            {
                case 0:
                    WriteMoney(name, 1_000_00 + e.NextLong(250_000_00));
                    break;
                case 1:
                    w.WriteNumber(name, e.Next(0, 20) * 5);
                    break;
                case 2:
                    w.WriteString(name, e.Pick(SamplePools.Stages));
                    break;
                case 3:
                    WriteDate(name, (Epoch2022 / Day) + e.Next(1200));
                    break;
                case 4:
                    var person = e.Pick(_pools.Owners);
                    w.WriteStartObject(name);
                    w.WriteString(P.Id, person.Id);
                    w.WriteString(P.Name, person.Name);
                    w.WriteEndObject();
                    break;
                case 5:
                    w.WriteStartArray(name);
                    for (var t = e.Next(3); t > 0; t--)
                    {
                        w.WriteStringValue(e.Pick(SamplePools.TagTexts));
                    }
                    w.WriteEndArray();
                    break;
                case 6:
                    if (side == 0)
                    {
                        w.WriteNull(name);
                    }
                    else
                    {
                        w.WriteBoolean(name, e.Next(2) == 0);
                    }
                    break;
                default:
                    if (e.Next(3) == 0)
                    {
                        w.WriteNull(name);
                    }
                    else
                    {
                        w.WriteString(name, e.Pick(NextSteps));
                    }
                    break;
            }
        }
        w.WriteEndObject();
    }

    private void WriteCustomFields(long key)
    {
        var c = SampleRng.For(_seed, key, Section.Custom);
        if (RootNull(P.CustomFields))
        {
            return;
        }
        Span<int> picks = stackalloc int[7];
        var count = PickDistinct(ref c, picks, c.Next(5));
        var w = _w;
        w.WriteStartObject(P.CustomFields);
        for (var i = 0; i < count; i++)
        {
            switch (picks[i])
            {
                case 0:
                    w.WriteString(P.LeadSource, c.Pick(SamplePools.LeadSources));
                    break;
                case 1:
                    w.WriteNumber(P.Seats, 5 + c.Next(500));
                    break;
                case 2:
                    w.WriteBoolean(P.Renewal, c.Next(2) == 0);
                    break;
                case 3:
                    if (c.Next(4) == 0)
                    {
                        w.WriteNull(P.Nps);
                    }
                    else
                    {
                        w.WriteNumber(P.Nps, c.Next(-100, 100));
                    }
                    break;
                case 4:
                    w.WriteString(P.Segment, c.Pick(SamplePools.Segments));
                    break;
                case 5:
                    w.WriteStartArray(P.Integrations);
                    for (var t = 1 + c.Next(3); t > 0; t--)
                    {
                        w.WriteStringValue(c.Pick(SamplePools.Integrations));
                    }
                    w.WriteEndArray();
                    break;
                default:
                    w.WriteStartObject(P.Billing);
                    w.WriteString(P.Cycle, c.Next(2) == 0 ? P.Annual : P.Monthly);
                    w.WriteBoolean(P.PoRequired, c.Next(2) == 0);
                    w.WriteEndObject();
                    break;
            }
        }
        w.WriteEndObject();
    }

    private void WriteContacts(long key, int version, Company company)
    {
        var ct = SampleRng.For(_seed, key, Section.Contacts);
        var count = ct.Next(_options.Contacts);
        if (version < 0)
        {
            // The last contact was added later.
            count = Math.Max(count - 1, 0);
        }
        var n = StartArray(P.Contacts, count);
        if (n < 0)
        {
            return;
        }
        Span<byte> buffer = stackalloc byte[256];
        for (var i = 0; i < n; i++)
        {
            var e = SampleRng.For(_seed, key, Section.Contacts, 0, i + 1);
            var person = e.Pick(_pools.Contacts);
            _w.WriteStartObject();
            SampleFormat.Uuid(ref e, buffer);
            _w.WriteString(P.Id, buffer[..SampleFormat.UuidLength]);
            if (!NestedNull(P.Email))
            {
                var len = Concat(buffer, person.EmailLocalUtf8, "@"u8, company.DomainUtf8, default, default);
                _w.WriteString(P.Email, buffer[..len]);
            }
            if (!NestedNull(P.FullName))
            {
                _w.WriteString(P.FullName, person.FullName);
            }
            var phones = StartArray(P.Phones, e.Next(_options.Phones));
            if (phones >= 0)
            {
                for (var p = 0; p < phones; p++)
                {
                    var kind = e.Next(SamplePools.PhonePrefixes.Length);
                    var prefix = SamplePools.PhonePrefixes[kind].EncodedUtf8Bytes;
                    prefix.CopyTo(buffer);
                    var len = prefix.Length;
                    foreach (var ch in PhonePatterns[kind])
                    {
                        buffer[len++] = ch == '#' ? (byte)('0' + e.Next(10)) : (byte)ch;
                    }
                    _w.WriteStringValue(buffer[..len]);
                }
                _w.WriteEndArray();
            }
            _w.WriteEndObject();
        }
        _w.WriteEndArray();
    }

    private void WriteOwner(JsonEncodedText name, Person person, bool root)
    {
        if (root ? RootNull(name) : NestedNull(name))
        {
            return;
        }
        _w.WriteStartObject(name);
        _w.WriteString(P.Id, person.Id);
        if (!NestedNull(P.Name))
        {
            _w.WriteString(P.Name, person.Name);
        }
        if (!NestedNull(P.Email))
        {
            _w.WriteString(P.Email, person.Email);
        }
        _w.WriteEndObject();
    }

    private void MaybeUnknownRootField()
    {
        if (_anomalies && _a.Chance(UnknownRootP))
        {
            // Mid-record, not last: readers must not assume the API's field order.
            _w.WriteString(P.Priority, _a.Pick(SamplePools.Priorities));
            _facts |= LineFacts.UnknownField;
        }
    }

    /// <summary>Returns how many elements to write after the opened array, or -1 when the array was left out or null.</summary>
    /// <param name="atLeastOne">An element must be written (the anomaly that needs one), even where it was empty.</param>
    private int StartArray(JsonEncodedText name, int count, bool isTags = false, bool atLeastOne = false)
    {
        if (_anomalies)
        {
            if (_a.Chance(MissingArrayP))
            {
                _facts |= isTags ? LineFacts.MissingArray | LineFacts.MissingTags : LineFacts.MissingArray;
                return -1;
            }
            if (isTags && _a.Chance(NullTagsP))
            {
                // Not allowed by the schema (tags is a plain array), but the API does it.
                _w.WriteNull(name);
                _facts |= LineFacts.NullTags;
                return -1;
            }
            if (count > 0 && _a.Chance(EmptyArrayP))
            {
                count = 0;
            }
        }
        if (atLeastOne)
        {
            count = Math.Max(count, 1);
        }
        if (count == 0)
        {
            _facts |= LineFacts.EmptyArray;
        }
        _w.WriteStartArray(name);
        return count;
    }

    private bool RootNull(JsonEncodedText name) => WriteNullIf(name, RootNullP);

    private bool NestedNull(JsonEncodedText name) => WriteNullIf(name, NestedNullP);

    private bool WriteNullIf(JsonEncodedText name, double p)
    {
        if (!_anomalies || !_a.Chance(p))
        {
            return false;
        }
        _w.WriteNull(name);
        _facts |= LineFacts.NullField;
        return true;
    }

    /// <summary>A nullable timestamp; where the record's one unparsable timestamp is due, that goes here instead.</summary>
    /// <param name="last">The root created_at: the unparsable value lands here if no earlier timestamp took it.</param>
    private void Timestamp(JsonEncodedText name, long unixSeconds, bool last = false)
    {
        var ordinal = _timestampOrdinal++;
        if (_badTimestampAt >= 0 && (last || ordinal == _badTimestampAt))
        {
            _badTimestampAt = -1;
            _w.WriteString(name, _a.Pick(SamplePools.BadTimestamps));
            _facts |= LineFacts.UnparsableTimestamp;
            return;
        }
        if (NestedNull(name))
        {
            return;
        }
        WriteTimestampValue(name, unixSeconds);
    }

    private void WriteTimestampValue(JsonEncodedText name, long unixSeconds)
    {
        Span<byte> text = stackalloc byte[SampleFormat.TimestampLength];
        SampleFormat.Timestamp(unixSeconds, text);
        _w.WriteString(name, text);
    }

    private void WriteDate(JsonEncodedText name, long unixDays)
    {
        Span<byte> text = stackalloc byte[SampleFormat.DateLength];
        SampleFormat.Date(unixDays, text);
        _w.WriteString(name, text);
    }

    private void WriteMoney(JsonEncodedText name, long cents)
    {
        // Raw, because a double or decimal would not reliably keep "1200.50" as two decimals.
        Span<byte> text = stackalloc byte[24];
        var len = SampleFormat.Money(cents, text);
        _w.WritePropertyName(name);
        _w.WriteRawValue(text[..len], skipInputValidation: true);
    }

    private void KeyTimes(long key, bool isSeed, out long created, out long baseUpdated)
    {
        if (isSeed)
        {
            created = SamplePools.SeedCreatedAt;
            baseUpdated = SamplePools.SeedUpdatedAt;
            return;
        }
        var t = SampleRng.For(_seed, key, Section.Times);
        created = Epoch2022 + t.NextLong(3 * 365 * Day);
        baseUpdated = created + Day + t.NextLong(120 * Day);
    }

    /// <summary>
    /// Strictly increasing in <paramref name="version"/>: newer versions step 3 h (plus jitter under 3 h) forward;
    /// older ones close in on created_at (gap·n/(n+1)) and step one more second back each, so no two versions tie.
    /// </summary>
    private long UpdatedAt(long key, int version, long created, long baseUpdated)
    {
        if (version == 0)
        {
            return baseUpdated;
        }
        if (version > 0)
        {
            var jitter = SampleRng.For(_seed, key, Section.Times, version);
            return baseUpdated + (version * VersionStep) + jitter.NextLong(VersionStep);
        }
        long back = -(long)version;
        return baseUpdated - ((baseUpdated - created) * back / (back + 1)) - back;
    }

    /// <summary>Partial Fisher-Yates over 0..picks.Length-1; returns min(count, pool size).</summary>
    private static int PickDistinct(ref SampleRng rng, Span<int> picks, int count)
    {
        for (var i = 0; i < picks.Length; i++)
        {
            picks[i] = i;
        }
        count = Math.Min(count, picks.Length);
        for (var i = 0; i < count; i++)
        {
            var j = i + rng.Next(picks.Length - i);
            (picks[i], picks[j]) = (picks[j], picks[i]);
        }
        return count;
    }

    private static int Concat(Span<byte> destination, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c,
        ReadOnlySpan<byte> d, ReadOnlySpan<byte> e)
    {
        var pos = 0;
        a.CopyTo(destination[pos..]);
        pos += a.Length;
        b.CopyTo(destination[pos..]);
        pos += b.Length;
        c.CopyTo(destination[pos..]);
        pos += c.Length;
        d.CopyTo(destination[pos..]);
        pos += d.Length;
        e.CopyTo(destination[pos..]);
        return pos + e.Length;
    }

    private static JsonEncodedText[] Texts(string[] values) => Array.ConvertAll(values, SamplePools.Text);

    /// <summary>Pre-encoded property names and fixed values.</summary>
    private static class P
    {
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Amount = JsonEncodedText.Encode("amount");
        public static readonly JsonEncodedText Currency = JsonEncodedText.Encode("currency");
        public static readonly JsonEncodedText Probability = JsonEncodedText.Encode("probability");
        public static readonly JsonEncodedText IsWon = JsonEncodedText.Encode("is_won");
        public static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        public static readonly JsonEncodedText CloseDate = JsonEncodedText.Encode("close_date");
        public static readonly JsonEncodedText Owner = JsonEncodedText.Encode("owner");
        public static readonly JsonEncodedText Email = JsonEncodedText.Encode("email");
        public static readonly JsonEncodedText ResultId = JsonEncodedText.Encode("result_id");
        public static readonly JsonEncodedText Result = JsonEncodedText.Encode("result");
        public static readonly JsonEncodedText Title = JsonEncodedText.Encode("title");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText CreatedAt = JsonEncodedText.Encode("created_at");
        public static readonly JsonEncodedText UpdatedAt = JsonEncodedText.Encode("updated_at");
        public static readonly JsonEncodedText ResultReasons = JsonEncodedText.Encode("result_reasons");
        public static readonly JsonEncodedText Territories = JsonEncodedText.Encode("territories");
        public static readonly JsonEncodedText Color = JsonEncodedText.Encode("color");
        public static readonly JsonEncodedText Association = JsonEncodedText.Encode("association");
        public static readonly JsonEncodedText SourceId = JsonEncodedText.Encode("source_id");
        public static readonly JsonEncodedText TargetId = JsonEncodedText.Encode("target_id");
        public static readonly JsonEncodedText Region = JsonEncodedText.Encode("region");
        public static readonly JsonEncodedText Bridges = JsonEncodedText.Encode("bridges");
        public static readonly JsonEncodedText Tags = JsonEncodedText.Encode("tags");
        public static readonly JsonEncodedText StageHistory = JsonEncodedText.Encode("stage_history");
        public static readonly JsonEncodedText Stage = JsonEncodedText.Encode("stage");
        public static readonly JsonEncodedText EnteredAt = JsonEncodedText.Encode("entered_at");
        public static readonly JsonEncodedText LeftAt = JsonEncodedText.Encode("left_at");
        public static readonly JsonEncodedText ChangedBy = JsonEncodedText.Encode("changed_by");
        public static readonly JsonEncodedText Changes = JsonEncodedText.Encode("changes");
        public static readonly JsonEncodedText Field = JsonEncodedText.Encode("field");
        public static readonly JsonEncodedText OldValue = JsonEncodedText.Encode("old_value");
        public static readonly JsonEncodedText NewValue = JsonEncodedText.Encode("new_value");
        public static readonly JsonEncodedText CustomFields = JsonEncodedText.Encode("custom_fields");
        public static readonly JsonEncodedText Priority = JsonEncodedText.Encode("priority");
        public static readonly JsonEncodedText Domain = JsonEncodedText.Encode("domain");
        public static readonly JsonEncodedText EmployeeCount = JsonEncodedText.Encode("employee_count");
        public static readonly JsonEncodedText AnnualRevenue = JsonEncodedText.Encode("annual_revenue");
        public static readonly JsonEncodedText IsActive = JsonEncodedText.Encode("is_active");
        public static readonly JsonEncodedText Contacts = JsonEncodedText.Encode("contacts");
        public static readonly JsonEncodedText FullName = JsonEncodedText.Encode("full_name");
        public static readonly JsonEncodedText Phones = JsonEncodedText.Encode("phones");
        public static readonly JsonEncodedText LeadSource = JsonEncodedText.Encode("lead_source");
        public static readonly JsonEncodedText Seats = JsonEncodedText.Encode("seats");
        public static readonly JsonEncodedText Renewal = JsonEncodedText.Encode("renewal");
        public static readonly JsonEncodedText Nps = JsonEncodedText.Encode("nps");
        public static readonly JsonEncodedText Segment = JsonEncodedText.Encode("segment");
        public static readonly JsonEncodedText Integrations = JsonEncodedText.Encode("integrations");
        public static readonly JsonEncodedText Billing = JsonEncodedText.Encode("billing");
        public static readonly JsonEncodedText Cycle = JsonEncodedText.Encode("cycle");
        public static readonly JsonEncodedText PoRequired = JsonEncodedText.Encode("po_required");
        public static readonly JsonEncodedText Open = JsonEncodedText.Encode("open");
        public static readonly JsonEncodedText Won = JsonEncodedText.Encode("won");
        public static readonly JsonEncodedText Lost = JsonEncodedText.Encode("lost");
        public static readonly JsonEncodedText Annual = JsonEncodedText.Encode("annual");
        public static readonly JsonEncodedText Monthly = JsonEncodedText.Encode("monthly");
    }
}
