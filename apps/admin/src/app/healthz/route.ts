import { NextResponse } from 'next/server';
import { adminHost } from '../../host.ts';

export const dynamic = 'force-dynamic';

/** For probes: 200 when the database answers, 503 otherwise. Says nothing else, needs no session. */
export async function GET(): Promise<NextResponse> {
  try {
    await adminHost().database.ping();
    return NextResponse.json({ ready: true });
  } catch {
    return NextResponse.json({ ready: false }, { status: 503 });
  }
}
