import { NextResponse } from "next/server";

export function unauthorized(): NextResponse {
  return NextResponse.json({ error: "Not signed in.", code: "NO_SESSION" }, { status: 401 });
}

export function sessionExpired(): NextResponse {
  return NextResponse.json({ error: "Session expired. Please log in again.", code: "SESSION_EXPIRED" }, { status: 401 });
}

export function forbidden(error: string, code?: string): NextResponse {
  return NextResponse.json({ error, code }, { status: 403 });
}

export function tenantNotFound(): NextResponse {
  return NextResponse.json({ error: "Tenant not found" }, { status: 400 });
}

export function sessionCheckFailed(error: unknown): NextResponse {
  return NextResponse.json(
    { error: "Unable to validate session.", details: error instanceof Error ? error.message : String(error) },
    { status: 500 },
  );
}
