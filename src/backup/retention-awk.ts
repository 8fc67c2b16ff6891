/**
 * retention.ts's rules as an awk program, for the script that runs on the server without
 * opsdeck (cron). Input: "ID<TAB>verified(0|1)" lines of one database, newest first. Output:
 * "keep|delete<TAB>ID<TAB>reasons". Integer arithmetic only, so mawk, gawk and busybox awk agree;
 * test/unit/backup-retention.test.ts runs it against planRetention on random inputs.
 */
export const GFS_AWK = `
function days(y, m, d,    era, yoe, doy, doe) {
  if (m <= 2) y -= 1
  era = int(y / 400)
  yoe = y - era * 400
  doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
  return era * 146097 + doe - 719468
}
{
  id = $1
  s = substr(id, length(id) - 15, 16)
  why = ""
  if ($2 == 1) {
    y = substr(s, 1, 4) + 0; m = substr(s, 5, 2) + 0; d = substr(s, 7, 2) + 0
    day = days(y, m, d); week = int((day + 3) / 7); month = y * 12 + m - 1
    if (!newest) { why = why ",newest"; newest = 1 }
    if (nd < KD && (!hd || day != ld)) { why = why ",daily"; nd++; ld = day; hd = 1 }
    if (nw < KW && (!hw || week != lw)) { why = why ",weekly"; nw++; lw = week; hw = 1 }
    if (nm < KM && (!hm || month != lm)) { why = why ",monthly"; nm++; lm = month; hm = 1 }
  } else if (!newest) {
    why = ",unverified-newer"
  }
  printf "%s\\t%s\\t%s\\n", (why == "" ? "delete" : "keep"), id, substr(why, 2)
}
`;
