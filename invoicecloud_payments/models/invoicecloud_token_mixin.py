import hmac
import secrets

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..const import TOKEN_BACKFILL_BATCH, TOKEN_BYTES, TOKEN_MAX_INPUT, TOKEN_READER_GROUP


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


class InvoicecloudTokenMixin(models.AbstractModel):
    """A secret that opens an Invoicecloud page without a login.

    Lookups go through an index on md5(token): the database compares digests of what the visitor
    sent, never the stored secret character by character, and the final check is constant time.
    """

    _name = 'invoicecloud.token.mixin'
    _description = "Invoicecloud Access Token"

    invoicecloud_token = fields.Char(
        copy=False,
        readonly=True,
        groups=TOKEN_READER_GROUP,
    )

    _invoicecloud_token_unique = models.UniqueIndex(
        '(md5(invoicecloud_token)) WHERE invoicecloud_token IS NOT NULL',
        "An Invoicecloud token must be unique.",
    )

    @api.model
    def _invoicecloud_assign_tokens(self, ids):
        """Give a fresh token to the records of `ids` that have none, in batched SQL updates."""
        for batch in split_every(TOKEN_BACKFILL_BATCH, ids, list):
            self.env.cr.execute(
                SQL(
                    """
                UPDATE %(table)s AS t SET invoicecloud_token = v.token
                  FROM unnest(%(ids)s::int[], %(tokens)s::varchar[]) AS v(id, token)
                 WHERE t.id = v.id AND t.invoicecloud_token IS NULL
                """,
                    table=SQL.identifier(self._table),
                    ids=batch,
                    tokens=[new_token() for _id in batch],
                )
            )
        self.invalidate_model(['invoicecloud_token'])

    @api.model
    def _invoicecloud_renew_tokens(self, ids):
        """Replace the tokens of the records of `ids`: their old links answer 404 from now on."""
        for batch in split_every(TOKEN_BACKFILL_BATCH, ids, list):
            self.env.cr.execute(
                SQL(
                    'UPDATE %(table)s SET invoicecloud_token = NULL WHERE id = ANY(%(ids)s)',
                    table=SQL.identifier(self._table),
                    ids=batch,
                )
            )
        self._invoicecloud_assign_tokens(ids)

    @api.model
    def _invoicecloud_from_token(self, token):
        """Return the record `token` opens, as superuser, or an empty recordset.

        Every kind of bad token (unknown, reset, malformed) takes the same path and the same query.
        """
        candidate = (token or '')[:TOKEN_MAX_INPUT]
        # PostgreSQL refuses NUL in text; such a token matches nothing but takes the same path.
        lookup = '' if '\x00' in candidate else candidate
        self.flush_model(['invoicecloud_token'])
        self.env.cr.execute(
            SQL(
                """
            SELECT id, invoicecloud_token FROM %(table)s
             WHERE md5(invoicecloud_token) = md5(%(lookup)s) AND invoicecloud_token IS NOT NULL
            """,
                table=SQL.identifier(self._table),
                lookup=lookup,
            )
        )
        row = self.env.cr.fetchone()
        stored = row[1] if row else new_token()
        if hmac.compare_digest(stored.encode(), candidate.encode()) and row:
            return self.browse(row[0]).sudo()
        return self.browse().sudo()

    def action_invoicecloud_reset_token(self):
        """Replace the token: the old link answers 404 from now on. The field's groups decide
        who may do it."""
        self.ensure_one()
        self.invoicecloud_token = new_token()
