# Identity and access: sign-in, tokens, users, inspection rounds.

role-admin = administrator
role-clerk = township finance station clerk
role-inspector = inspector
role-villager = villager
role-discipline = discipline officer

token-fault-too-long = too long
token-fault-malformed = malformed
token-fault-wrong-algorithm = wrong algorithm
token-fault-no-key-id = no key id
token-fault-unknown-key = unknown or retired key
token-fault-signature = signature or claims
token-fault-no-subject = no subject

auth-bad-username = username `{ $username }` must be 3–40 characters of letters, digits, `.`, `_` or `-`
auth-password-too-short = the password must have at least { $min } characters
auth-password-too-long = the password must have at most { $max } characters
auth-no-such-village = village { $village } does not exist
auth-clerk-without-township = a clerk needs a township
auth-villager-without-village = a villager needs a village
auth-fixed-scope-not-allowed = inspectors and admins have no fixed scope; an inspector's scope comes from inspection rounds; a discipline user's comes from the body they work for, and only they name one
auth-discipline-without-addressee = a discipline user needs the body they work for (addressee)
auth-addressee-missing = there is no addressee { $addressee }
auth-user-exists = user { $username } already exists
auth-user-not-found = no user { $username }
auth-not-ledger-writer = a { $role } cannot write the ledger; township finance station clerks post entries
auth-admin-only = only administrators may do this
auth-locked = too many wrong passwords for this username; wait a while and try again
auth-bad-access-token = the access token is not valid ({ $fault }); sign in again
auth-bad-refresh-token = the refresh token is not valid; sign in again
auth-missing-token = send an access token: Authorization: Bearer <token> (POST /api/v1/auth/token)
auth-account-disabled = this account is disabled or no longer exists
auth-wrong-password = wrong username or password
auth-round-ends-before-start = ends_on { $ends_on } is before starts_on { $starts_on }
auth-round-without-inspectors = a round needs at least one inspector
auth-round-without-targets = a round needs at least one township or village
auth-round-too-large = a round names at most { $max } inspectors, townships and villages together
auth-no-enabled-user = no enabled user { $username }
auth-not-an-inspector = { $username } is a { $role }, not an inspector
auth-recusal-home-township = recusal: inspector { $inspector }'s home township { $township } is in this round's scope (交叉巡察回避)
auth-recusal-home-village = recusal: inspector { $inspector }'s home village { $village } is in this round's scope (交叉巡察回避)
auth-inspection-not-found = no inspection { $id } in your scope
auth-not-inspection-reader = only admins and inspectors see inspection rounds
auth-audit-readers = only admins and inspectors read the audit log
