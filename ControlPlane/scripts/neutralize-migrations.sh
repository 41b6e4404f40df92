#!/usr/bin/env bash
# Makes `dotnet ef migrations add` output (generated against SQLite) run unchanged on PostgreSQL too:
# drops provider type names so each provider maps CLR types itself, and gives every SQLite
# autoincrement key the Npgsql identity annotation beside it (EF Core's documented multi-provider recipe).
# Usage: ControlPlane/scripts/neutralize-migrations.sh  (after adding a migration)
set -euo pipefail
dir="$(dirname "$0")/../MediaCore.ControlPlane/Data/Migrations"
for f in "$dir"/*.cs; do
  perl -0pi -e 's/type: "[A-Za-z ()0-9,]+", //g; s/\n\s*type: "[A-Za-z ()0-9,]+",(?=\n)//g; s/\s*\.HasColumnType\("[^"]*"\)//g' "$f"
  if grep -q 'Sqlite:Autoincrement", true)' "$f" && ! grep -q 'Npgsql:ValueGenerationStrategy' "$f"; then
    perl -0pi -e 's/\.Annotation\("Sqlite:Autoincrement", true\)/.Annotation("Sqlite:Autoincrement", true)\n                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)/g' "$f"
    perl -0pi -e 's/^(using Microsoft\.EntityFrameworkCore\.Migrations;)/$1\nusing Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;/m' "$f"
  fi
done
