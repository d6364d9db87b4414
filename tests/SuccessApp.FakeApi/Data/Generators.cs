using System.Text.Json;

namespace SuccessApp.FakeApi.Data;

/// <summary>Pools shared by the generators (owners, territories, reasons), fixed per seed like a real tenant's.</summary>
internal static class Pools
{
    public static readonly string[] FirstNames = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Felipe", "Gabriela", "Hugo", "Ines", "Joao", "Karin", "Lucas", "Marta", "Nuno", "Olga", "Pedro"];
    public static readonly string[] LastNames = ["Souza", "Lima", "Costa", "Pereira", "Almeida", "Ferreira", "Rocha", "Dias", "Martins", "Barbosa", "Ribeiro", "Gomes"];
    public static readonly string[] Companies = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Wonka", "Gringotts", "Oscorp", "Aperture", "Monarch"];
    public static readonly string[] Suffixes = ["Ltda", "S.A.", "Inc", "GmbH", "BV", "Group", "Holding"];
    public static readonly string[] Territories = ["LATAM", "LATAM-SOLA-BRAZIL SOUTH CROSS", "LATAM-NOLA", "EMEA", "EMEA-DACH", "EMEA-IBERIA", "NA-EAST", "NA-WEST", "APAC", "APAC-ANZ", "BRAZIL-SP", "BRAZIL-RJ"];
    public static readonly string[] Colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
    public static readonly string[] Reasons = ["Price", "Timing", "Competitor", "No budget", "Champion left", "Product fit", "Legal review", "Won on value"];
    public static readonly string[] Tags = ["renewal", "upsell", "new-logo", "strategic", "partner", "inbound", "outbound", "q-end", "pilot"];
    public static readonly string[] Stages = ["lead", "qualified", "demo", "proposal", "negotiation", "closed"];
    public static readonly string[] Currencies = ["BRL", "USD", "EUR", "MXN"];
    public static readonly string[] Words = ["Renewal", "Expansion", "Pilot", "Migration", "Platform", "Seats", "Support", "Onboarding", "Analytics", "Premium"];
    public static readonly string[] BridgeTypes = ["account", "contact", "product", "ticket"];
    public static readonly string[] Fields = ["amount", "probability", "close_date", "owner", "stage", "currency"];

    public const int OwnerCount = 24;

    public static void WriteOwner(Utf8JsonWriter w, ulong seed, int owner, bool withNewFields)
    {
        var rng = Rng.For(seed, "owner", owner);
        var first = rng.Pick(FirstNames);
        var last = rng.Pick(LastNames);
        w.WriteStartObject();
        w.WriteString("id", rng.Uuid());
        w.WriteString("name", $"{first} {last}");
        w.WriteString("email", $"{first}.{last}{owner}@successapp.test".ToLowerInvariant());
        if (withNewFields)
        {
            w.WriteString("title", owner % 3 == 0 ? "Account Executive" : "Sales Manager");
        }
        w.WriteEndObject();
    }

    public static void WriteTerritory(Utf8JsonWriter w, ulong seed, int territory, DateTime created, DateTime updated, bool withAssociation, int associationSalt, bool withNewFields)
    {
        var rng = Rng.For(seed, "territory", territory);
        w.WriteStartObject();
        w.WriteString("id", rng.Uuid());
        w.WriteString("name", Territories[territory % Territories.Length]);
        w.WriteString("color", rng.Pick(Colors));
        w.WriteString("created_at", FakeDataset.Format(created));
        w.WriteString("updated_at", FakeDataset.Format(updated));
        if (withAssociation)
        {
            var a = Rng.For(seed, "association", territory, associationSalt);
            w.WriteStartObject("association");
            w.WriteString("source_id", a.Uuid());
            w.WriteString("target_id", a.Uuid());
            w.WriteString("id", a.Uuid());
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("association");
        }
        if (withNewFields)
        {
            w.WriteString("region", territory < 3 ? "south" : "north");
        }
        w.WriteEndObject();
    }

    /// <summary>A time between <paramref name="from"/> and <paramref name="to"/>, whole seconds.</summary>
    public static DateTime Between(ref Rng rng, DateTime from, DateTime to)
    {
        var seconds = Math.Max(0, (long)(to - from).TotalSeconds);
        return from.AddSeconds(seconds == 0 ? 0 : (long)(rng.NextDouble() * seconds));
    }
}

/// <summary>Deals (schemas/deals.schema.json): nested objects, five arrays, an array inside array elements, free-form jsonb.</summary>
public sealed class DealGenerator : IRecordGenerator
{
    private static readonly string[] Tiers = ["gold", "silver", "bronze"];
    private static readonly string[] Priorities = ["low", "medium", "high"];

    public string Entity => "deals";

    public void Write(Utf8JsonWriter w, RecordVersion r)
    {
        // What a deal keeps from version to version, then what each version changes.
        var stable = Rng.For(r.Seed, "deal", r.Key);
        var rng = Rng.For(r.Seed, "deal-version", r.Key, r.Version);
        var id = stable.Uuid();
        var created = FakeDataset.BaseTime.AddDays(-stable.Next(1, 400)).AddSeconds(-stable.Next(86_400));
        var company = $"{stable.Pick(Pools.Companies)} {stable.Pick(Pools.Suffixes)}";
        var currency = stable.Pick(Pools.Currencies);
        var owner = stable.Next(Pools.OwnerCount);
        var territoryCount = stable.Next(4);
        var firstTerritory = stable.Next(Pools.Territories.Length);
        var bridgeCount = stable.Next(3);

        var status = ((r.Version + stable.Next(3)) % 4) switch { 0 => "open", 1 => "won", 2 => "lost", _ => (string?)null };
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("name", $"{company} - {rng.Pick(Pools.Words)} {2024 + r.Key % 3}");
        w.WriteNumber("amount", Math.Round(rng.NextDouble() * 250_000, 2));
        w.WriteString("currency", currency);
        w.WriteNumber("probability", rng.Next(0, 101));
        if (status is null)
        {
            w.WriteNull("is_won");
            w.WriteNull("status");
        }
        else
        {
            w.WriteBoolean("is_won", status == "won");
            w.WriteString("status", status);
        }
        w.WriteString("close_date", DateOnly.FromDateTime(r.UpdatedAt.AddDays(rng.Next(-30, 120))).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        w.WritePropertyName("owner");
        if (r.Key % 17 == 0)
        {
            w.WriteNullValue();
        }
        else
        {
            Pools.WriteOwner(w, r.Seed, owner, r.WithNewFields);
        }

        if (status is "won" or "lost")
        {
            var result = Rng.For(r.Seed, "result", r.Key, r.Version);
            var resultId = result.Uuid();
            w.WriteString("result_id", resultId);
            w.WriteStartObject("result");
            w.WriteString("id", resultId);
            w.WriteString("title", status == "won" ? "Closed won" : "Closed lost");
            w.WriteString("type", status);
            w.WriteString("created_at", FakeDataset.Format(created));
            w.WriteString("updated_at", FakeDataset.Format(r.UpdatedAt));
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("result_id");
            w.WriteNull("result");
        }

        w.WriteStartArray("result_reasons");
        var reasons = status is "won" or "lost" ? 1 + rng.Next(3) : 0;
        var firstReason = rng.Next(Pools.Reasons.Length);
        for (var i = 0; i < reasons; i++)
        {
            var reason = (firstReason + i) % Pools.Reasons.Length;
            var rr = Rng.For(r.Seed, "reason", reason);
            w.WriteStartObject();
            w.WriteString("id", rr.Uuid());
            w.WriteString("title", Pools.Reasons[reason]);
            w.WriteString("created_at", FakeDataset.Format(FakeDataset.BaseTime.AddDays(-400 + reason)));
            w.WriteString("updated_at", FakeDataset.Format(FakeDataset.BaseTime.AddDays(-300 + reason)));
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("territories");
        for (var i = 0; i < territoryCount; i++)
        {
            var territory = (firstTerritory + i) % Pools.Territories.Length;
            Pools.WriteTerritory(w, r.Seed, territory, FakeDataset.BaseTime.AddDays(-500 + territory), FakeDataset.BaseTime.AddDays(-200 + territory),
                withAssociation: (r.Key + i) % 3 != 0, associationSalt: r.Key, r.WithNewFields);
        }
        w.WriteEndArray();

        w.WriteStartArray("bridges");
        for (var i = 0; i < bridgeCount; i++)
        {
            var b = Rng.For(r.Seed, "bridge", r.Key, i);
            w.WriteStartObject();
            w.WriteString("id", b.Uuid());
            w.WriteString("type", b.Pick(Pools.BridgeTypes));
            w.WriteString("target_id", b.Uuid());
            w.WriteString("created_at", FakeDataset.Format(created.AddHours(i + 1)));
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("tags");
        var tagCount = rng.Next(5);
        var firstTag = rng.Next(Pools.Tags.Length);
        for (var i = 0; i < tagCount; i++)
        {
            w.WriteStringValue(Pools.Tags[(firstTag + i) % Pools.Tags.Length]);
        }
        w.WriteEndArray();

        // One more stage per version, up to the last stage: a record's history grows as it is updated.
        w.WriteStartArray("stage_history");
        var stages = Math.Min(1 + r.Version + stable.Next(2), Pools.Stages.Length);
        var entered = created;
        for (var i = 0; i < stages; i++)
        {
            var s = Rng.For(r.Seed, "stage", r.Key, i);
            var left = i == stages - 1 ? (DateTime?)null : Pools.Between(ref s, entered, r.UpdatedAt);
            w.WriteStartObject();
            w.WriteString("stage", Pools.Stages[i]);
            w.WriteString("entered_at", FakeDataset.Format(entered));
            if (left is { } l)
            {
                w.WriteString("left_at", FakeDataset.Format(l));
            }
            else
            {
                w.WriteNull("left_at");
            }
            w.WritePropertyName("changed_by");
            Pools.WriteOwner(w, r.Seed, (owner + i) % Pools.OwnerCount, withNewFields: false);
            w.WriteStartArray("changes");
            var changes = s.Next(3);
            for (var c = 0; c < changes; c++)
            {
                w.WriteStartObject();
                var field = Pools.Fields[(i + c) % Pools.Fields.Length];
                w.WriteString("field", field);
                switch ((i + c) % 4)
                {
                    case 0:
                        w.WriteNumber("old_value", s.Next(1000));
                        w.WriteNumber("new_value", s.Next(1000) + 0.5);
                        break;
                    case 1:
                        w.WriteString("old_value", Pools.Stages[i]);
                        w.WriteString("new_value", Pools.Stages[Math.Min(i + 1, Pools.Stages.Length - 1)]);
                        break;
                    case 2:
                        w.WriteNull("old_value");
                        w.WriteStartObject("new_value");
                        w.WriteString("id", s.Uuid());
                        w.WriteBoolean("primary", true);
                        w.WriteEndObject();
                        break;
                    default:
                        w.WriteBoolean("old_value", false);
                        w.WriteStartArray("new_value");
                        w.WriteStringValue("a");
                        w.WriteNumberValue(1);
                        w.WriteEndArray();
                        break;
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            if (left is { } next)
            {
                entered = next;
            }
        }
        w.WriteEndArray();

        w.WritePropertyName("custom_fields");
        if (r.Key % 5 == 0)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteStartObject();
            w.WriteString("tier", rng.Pick(Tiers));
            w.WriteNumber("seats", rng.Next(1, 500));
            w.WriteBoolean("renewal", rng.Chance(0.5));
            w.WriteEndObject();
        }
        w.WriteString("created_at", FakeDataset.Format(created));
        w.WriteString("updated_at", FakeDataset.Format(r.UpdatedAt));

        if (r.WithNewFields)
        {
            // Fields the API started sending that deals.schema.json does not describe yet: they go to _extra.
            w.WriteString("priority", rng.Pick(Priorities));
            w.WriteStartObject("health");
            w.WriteNumber("score", Math.Round(rng.NextDouble(), 3));
            w.WriteString("trend", rng.Chance(0.5) ? "up" : "down");
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}

/// <summary>Accounts (schemas/accounts.schema.json): contacts keyed by id with a scalar array inside.</summary>
public sealed class AccountGenerator : IRecordGenerator
{
    private static readonly string[] Titles = ["CFO", "CTO", "Buyer", "Champion"];
    private static readonly string[] Segments = ["smb", "mid-market", "enterprise"];

    public string Entity => "accounts";

    public void Write(Utf8JsonWriter w, RecordVersion r)
    {
        var stable = Rng.For(r.Seed, "account", r.Key);
        var rng = Rng.For(r.Seed, "account-version", r.Key, r.Version);
        var id = stable.Uuid();
        var company = stable.Pick(Pools.Companies);
        var created = FakeDataset.BaseTime.AddDays(-stable.Next(30, 900)).AddSeconds(-stable.Next(86_400));
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("name", $"{company} {stable.Pick(Pools.Suffixes)} #{r.Key}");
        w.WriteString("domain", $"{company.ToLowerInvariant()}-{r.Key}.test");
        if (r.Key % 11 == 0)
        {
            w.WriteNull("employee_count");
            w.WriteNull("annual_revenue");
        }
        else
        {
            w.WriteNumber("employee_count", rng.Next(5, 20_000));
            w.WriteNumber("annual_revenue", Math.Round(rng.NextDouble() * 50_000_000, 2));
        }
        w.WriteBoolean("is_active", (r.Key + r.Version) % 7 != 0);
        w.WritePropertyName("owner");
        Pools.WriteOwner(w, r.Seed, stable.Next(Pools.OwnerCount), r.WithNewFields);

        w.WriteStartArray("territories");
        var territories = stable.Next(3);
        var first = stable.Next(Pools.Territories.Length);
        for (var i = 0; i < territories; i++)
        {
            var territory = (first + i) % Pools.Territories.Length;
            Pools.WriteTerritory(w, r.Seed, territory, FakeDataset.BaseTime.AddDays(-500 + territory), FakeDataset.BaseTime.AddDays(-200 + territory),
                withAssociation: i % 2 == 0, associationSalt: r.Key + 1_000_000, withNewFields: false);
        }
        w.WriteEndArray();

        // Contacts come and go between versions: a later version may drop one (its rows must go).
        w.WriteStartArray("contacts");
        var contacts = Math.Max(0, stable.Next(5) - (r.Version % 2));
        for (var i = 0; i < contacts; i++)
        {
            var c = Rng.For(r.Seed, "contact", r.Key, i);
            var first2 = c.Pick(Pools.FirstNames);
            var last = c.Pick(Pools.LastNames);
            w.WriteStartObject();
            w.WriteString("id", c.Uuid());
            w.WriteString("email", $"{first2}.{last}@{company}-{r.Key}.test".ToLowerInvariant());
            w.WriteString("full_name", $"{first2} {last}");
            w.WriteStartArray("phones");
            var phones = c.Next(3);
            for (var p = 0; p < phones; p++)
            {
                w.WriteStringValue($"+55 11 9{c.Next(1000, 9999)}-{c.Next(1000, 9999)}");
            }
            w.WriteEndArray();
            if (r.WithNewFields)
            {
                w.WriteString("title", c.Pick(Titles));
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("created_at", FakeDataset.Format(created));
        w.WriteString("updated_at", FakeDataset.Format(r.UpdatedAt));
        if (r.WithNewFields)
        {
            w.WriteString("segment", rng.Pick(Segments));
        }
        w.WriteEndObject();
    }
}
