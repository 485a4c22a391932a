// A file without the pattern stays byte-identical.
export const GET = () => new Response("ok");
