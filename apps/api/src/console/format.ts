// How the console words durations ("3 min 5 s") and cuts long texts short.

/** A duration in seconds as the two largest units that say it: "42 s", "3 min 5 s", "5 h 12 min", "3 d 4 h". */
export function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** text, cut to max characters with an ellipsis when it is longer. */
export function shorten(text: string, max = 140): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
