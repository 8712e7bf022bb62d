// The pass claims of DESIGN section 6 as one zod schema: the issuer checks what it signs with it, the verifier
// checks what it reads with it, so a pass this project issues always verifies and nothing else slips through.
import { z } from 'zod'

export const PASS_KINDS = ['resident', 'visitor', 'staff', 'vehicle'] as const
export type PassKind = (typeof PASS_KINDS)[number]

export const HEALTH_COLOURS = ['green', 'yellow', 'red'] as const
export type HealthColour = (typeof HEALTH_COLOURS)[number]

/**
 * Holder ids are opaque (`H-3-1-502`, a UUID): the charset leaves no room for a name, an ID number with spaces or an
 * e-mail address, because the gate logs `sub` and must never store personal data from a pass.
 */
export const subjectSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}$/, 'an opaque holder id such as H-3-1-502 (letters, digits, ._:/+=-), not a name')

export const passIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a pass id (letters, digits, ._:-, at most 128)')
export const gateIdSchema = z.string().min(1).max(64)
/** NumericDate (RFC 7519 section 2): seconds since the epoch, up to the year 9999. */
const numericDate = z.number().min(0).max(253_402_300_799)

/** The optional claims that narrow who may pass; shared by issuing and verifying. */
export const passScopeSchema = z.object({
  kind: z.enum(PASS_KINDS),
  gates: z.array(gateIdSchema).min(1).max(64).optional(),
  hc: z.enum(HEALTH_COLOURS).optional(),
  unit: z.string().min(1).max(64).optional(),
  /** Plates carry a province character (沪A12345), so any text up to 16 characters. */
  plate: z.string().min(1).max(16).optional(),
})

/**
 * `aud` (RFC 7519 §4.1.3): one StringOrURI or an array of them. Which audiences are ours is the verifier's business
 * (it knows the site and gate); here only the shape. An empty array is well-formed and names no one.
 */
export const audienceSchema = z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(64)])

/** A JWT claims set as the verifier accepts it. Extra claims are ignored (stripped), not an error. */
export const passClaimsSchema = passScopeSchema
  .extend({
    jti: passIdSchema,
    sub: subjectSchema,
    exp: numericDate,
    nbf: numericDate.optional(),
    iat: numericDate.optional(),
    aud: audienceSchema.optional(),
  })
  .refine((c) => c.nbf === undefined || c.exp > c.nbf, { message: 'exp must be after nbf', path: ['exp'] })

export type PassClaims = z.output<typeof passClaimsSchema>

/** A verified pass, in the gateway's words. */
export interface Pass {
  /** `jti`: what a revocation list names. */
  id: string
  /** `sub`: the opaque holder (household, visitor, staff member, vehicle). */
  subject: string
  kind: PassKind
  gates?: string[]
  hc?: HealthColour
  unit?: string
  plate?: string
  /** Seconds since the epoch, as in the token. */
  exp: number
  nbf?: number
  iat?: number
  /** Which issuer key signed it. */
  kid: string
}

/** Claims → Pass, leaving absent optional claims absent (not `undefined`), so passes compare cleanly. */
export function toPass(c: PassClaims, kid: string): Pass {
  const pass: Pass = { id: c.jti, subject: c.sub, kind: c.kind, exp: c.exp, kid }
  if (c.gates !== undefined) pass.gates = c.gates
  if (c.hc !== undefined) pass.hc = c.hc
  if (c.unit !== undefined) pass.unit = c.unit
  if (c.plate !== undefined) pass.plate = c.plate
  if (c.nbf !== undefined) pass.nbf = c.nbf
  if (c.iat !== undefined) pass.iat = c.iat
  return pass
}

/** One line per issue, `path: message`, for errors that say what was expected. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(claims)'}: ${i.message}`).join('; ')
}
