// What waking up costs on this machine: process CPU per timer wake-up after sleeping a given time, with nothing else to
// do. Every wait for a reply (a Redis or MongoDB round trip) ends in such a wake-up, so this is the floor under each
// round trip's CPU, and why a process's CPU per job grows with the time its jobs wait. Plain JavaScript, so Bun and
// Node run the same file. Usage: wake-probe.mjs <ms,ms,...> <seconds per sleep>; prints one JSON line
// {runtime, wakes: [{sleepMs, cpuUs}]}.
const [sleepsArg, secondsArg] = process.argv.slice(2);
const sleeps = (sleepsArg ?? "1,5,20,100").split(",").map(Number);
const seconds = Number(secondsArg ?? 2);

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const wakes = [];
for (const sleepMs of sleeps) {
  const n = Math.max(10, Math.round((seconds * 1000) / sleepMs));
  for (let i = 0; i < 5; i++) await sleep(sleepMs); // warm up
  const before = cpuUs();
  for (let i = 0; i < n; i++) await sleep(sleepMs);
  wakes.push({ sleepMs, cpuUs: (cpuUs() - before) / n });
}
const runtime = typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.versions.node}`;
console.log(JSON.stringify({ runtime, wakes }));
