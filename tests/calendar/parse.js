// Reads an iCalendar feed on stdin, parses it with ical.js and prints a JSON summary of the calendar and
// its VEVENTs. Exits non-zero (with the parser's message on stderr) when ical.js rejects the feed.
// ical.js does not check required properties: the Python tests assert those on this summary.
import ICAL from "ical.js";

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function value(component, name) {
  const prop = component.getFirstProperty(name);
  if (!prop) return null;
  const v = prop.getFirstValue();
  return v !== null && typeof v === "object" && "toString" in v ? v.toString() : v;
}

function when(component, name) {
  const prop = component.getFirstProperty(name);
  if (!prop) return null;
  const time = prop.getFirstValue();
  return {
    local: time.toString(),
    tzid: prop.getParameter("tzid") || null,
    utc: time.toJSDate().toISOString(),
  };
}

async function main() {
  const text = await readStdin();
  const calendar = new ICAL.Component(ICAL.parse(text));
  if (calendar.name !== "vcalendar") throw new Error(`top component is ${calendar.name}, not vcalendar`);
  // Register the feed's own VTIMEZONEs so local times convert with the rules the feed carries.
  const timezones = calendar.getAllSubcomponents("vtimezone").map((vtz) => {
    const zone = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(zone, zone.tzid);
    return zone.tzid;
  });
  const properties = {};
  for (const prop of calendar.getAllProperties()) {
    properties[prop.name] = { value: String(prop.getFirstValue()), params: prop.toJSON()[1] };
  }
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => ({
    properties: vevent.getAllProperties().map((p) => p.name),
    uid: value(vevent, "uid"),
    summary: value(vevent, "summary"),
    description: value(vevent, "description"),
    location: value(vevent, "location"),
    geo: vevent.getFirstPropertyValue("geo"),
    url: value(vevent, "url"),
    status: value(vevent, "status"),
    sequence: vevent.getFirstPropertyValue("sequence"),
    dtstamp: value(vevent, "dtstamp"),
    dtstart: when(vevent, "dtstart"),
    dtend: when(vevent, "dtend"),
  }));
  process.stdout.write(JSON.stringify({ properties, timezones, events }));
}

main().catch((err) => {
  process.stderr.write(`ical.js could not parse the feed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
