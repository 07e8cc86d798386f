#!/usr/bin/env python3
"""Deterministic synthetic inputs for the ingest benchmark.

    gen.py cases N OUT.csv   an LWA-shaped case-level extract of N rows
    gen.py wide  N OUT.csv   a wide quarterly return of N rows

The case-level file has the columns of the LWA extract and the mess real
exports have: CRLF, quoted fields (some with commas), labels written several
ways ("F"/"Female", "White - British"/"White British", "NW Leics"), blanks,
and about a third of the case references repeating (people referred more
than once). Everything is synthetic: references are random tokens.
"""

import random
import sys

SERVICES = ["YP IDVA", "Outreach", "County Family Service"]
DISTRICTS = ["Blaby", "Charnwood", "Harborough", "Hinckley & Bosworth",
             "Hinckley and Bosworth", "Melton", "North West Leicestershire",
             "NW Leics", "Oadby and Wigston", "Oadby & Wigston", "Rutland",
             "Leicester City", ""]
GENDERS = ["F", "Female", "Male", "Non-binary", "", "Prefer not to say"]
ETHNICITY = ["White - British", "White British", "Indian",
             "Asian/Asian British: Indian", "Black British", "Polish",
             "Mixed White & Black Caribbean", "", "White Other"]
RISK = ["Standard", "Medium", "High", ""]
SOURCES = ["Police", "IDVA", "Childrens Social Care", "GP", "Health Visitor",
           "Housing", "School", "Self", "Family/Friend", "Other", ""]
CLOSURE = ["Moved out of area", "Support no longer needed", "Disengaged",
           "Other"]
HEADER = ("client_ref,service,referral_date,date_first_contact,district,"
          "postcode_district,age_at_referral,gender,ethnicity,"
          "dash_risk_at_intake,referral_source,children_in_household,"
          "closed_date,closure_reason,dash_risk_at_close")
# Q1 2024-25: 1 April to 30 June 2024 (91 days); the extract's quarter.
DAYS = [(4, d) for d in range(1, 31)] + [(5, d) for d in range(1, 32)] + \
       [(6, d) for d in range(1, 31)]


def quote(s):
    return '"' + s.replace('"', '""') + '"' if ("," in s or '"' in s) else s


def cases(n, out):
    rng = random.Random(20241127)
    refs = []
    with open(out, "w", newline="") as f:
        f.write(HEADER + "\r\n")
        for i in range(n):
            if refs and rng.random() < 0.34:
                ref = rng.choice(refs)
            else:
                ref = "LWA-%06X" % rng.getrandbits(24)
                refs.append(ref)
                if len(refs) > 200000:
                    refs.pop(0)
            m, d = rng.choice(DAYS)
            fm, fd = (m, min(d + rng.randint(0, 5), 28))
            first = "" if rng.random() < 0.1 else "%02d/%02d/2024" % (fd, fm)
            age = "" if rng.random() < 0.3 else str(rng.randint(13, 90))
            closed = ""
            reason = ""
            if rng.random() < 0.1:
                closed = "%02d/%02d/2024" % (min(d + 3, 28), m)
                reason = rng.choice(CLOSURE)
            row = [ref, rng.choice(SERVICES), "%02d/%02d/2024" % (d, m), first,
                   rng.choice(DISTRICTS),
                   rng.choice(["LE19", "LE11", "LE16, LE17", "LE67", ""]),
                   age, rng.choice(GENDERS), rng.choice(ETHNICITY),
                   rng.choice(RISK), rng.choice(SOURCES),
                   str(rng.randint(0, 4)), closed, reason, ""]
            f.write(",".join(quote(c) for c in row) + "\r\n")


MEASURES = ["referrals_received", "referrals_accepted", "individuals_supported",
            "cases_opened", "cases_closed", "helpline_contacts",
            "sessions_delivered", "professionals_trained"]
AREAS = ["Blaby", "Charnwood", "Harborough", "Hinckley & Bosworth", "Melton",
         "NW Leics", "Oadby & Wigston", "Out of county / unknown"]


def wide(n, out):
    rng = random.Random(20241128)
    with open(out, "w", newline="") as f:
        f.write("Synthetic wide return for the benchmark\r\n\r\n")
        f.write("Service,Measure,Period," + ",".join(quote(a) for a in AREAS)
                + ",TOTAL\r\n")
        i = 0
        # 2,016 rows a year; past 2998 (the last year a period may name)
        # a long return goes on from 1900
        for fy in list(range(2000, 2999)) + list(range(1900, 2000)):
            for q in range(1, 5):
                for s in range(1, 64):
                    for m in MEASURES:
                        if i == n:
                            return
                        cells = []
                        for _ in AREAS:
                            r = rng.random()
                            cells.append("" if r < 0.05 else "<5" if r < 0.15
                                         else "{:,}".format(rng.randint(5, 2500)))
                        f.write("Service %02d,%s,FY%d-%02d-Q%d,%s,\r\n" % (
                            s, m, fy, (fy + 1) % 100, q,
                            ",".join(quote(c) for c in cells)))
                        i += 1


if __name__ == "__main__":
    kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    {"cases": cases, "wide": wide}[kind](n, out)
